"""Accounts, roles, passwords (argon2), sessions, API tokens and login rate limits."""

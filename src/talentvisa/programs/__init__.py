"""The built-in programs, one folder per country (ISO 3166-1 alpha-2), and common/ facts."""

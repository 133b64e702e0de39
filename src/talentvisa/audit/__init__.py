"""Append-only audit events chained by SHA-256, each holding the previous event's hash."""

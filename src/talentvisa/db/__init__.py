"""Database adapter: engine, sessions and Alembic migrations (SQLite by default, PostgreSQL)."""

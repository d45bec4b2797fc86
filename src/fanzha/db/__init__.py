"""Storage: engine, table metadata, unit of work and migrations (SQLite and PostgreSQL alike)."""

"""Alembic environment: one revision applies to SQLite and PostgreSQL alike."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from fanzha.db.models import Base

config = context.config
target = Base.metadata


def run() -> None:
    """Migrate over a given connection, or one made from the configured URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=target, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


run()

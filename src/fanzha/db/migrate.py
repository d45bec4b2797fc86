"""Run Alembic migrations programmatically (`fanzha db upgrade`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

_HERE = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(_HERE))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database behind `engine` to `revision`."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Step the database back to `revision`."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current(engine: Engine) -> str | None:
    """The revision the database is at, or None before the first migration."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def history(engine: Engine) -> list[tuple[str, str, bool]]:
    """Every packaged revision, oldest first, as (revision, first docstring line, applied here)."""
    from alembic.script import ScriptDirectory

    at = current(engine)
    script = ScriptDirectory.from_config(alembic_config(engine.url.render_as_string(hide_password=False)))
    revisions = list(reversed(list(script.walk_revisions())))
    applied = {r.revision for r in script.iterate_revisions(at, "base")} if at else set()
    return [
        (r.revision, (r.doc or "").splitlines()[0] if r.doc else "", r.revision in applied) for r in revisions
    ]

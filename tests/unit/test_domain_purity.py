"""DESIGN convention 2: no `domain.py` imports web, database or dataframe libraries."""

from __future__ import annotations

import ast
from pathlib import Path

FORBIDDEN = {
    "sqlalchemy",
    "fastapi",
    "starlette",
    "ibis",
    "duckdb",
    "polars",
    "pandas",
    "httpx",
    "nats",
    "alembic",
    "psycopg",
    "pyarrow",
    "uvicorn",
    "jinja2",
}
SRC = Path(__file__).resolve().parents[2] / "src" / "fanzha"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_every_domain_module_is_pure() -> None:
    domains = sorted(SRC.rglob("domain.py"))
    assert len(domains) >= 2  # the check must be looking at something
    offenders = {str(p.relative_to(SRC)): sorted(_imports(p) & FORBIDDEN) for p in domains}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_check_catches_an_impure_module(tmp_path: Path) -> None:
    bad = tmp_path / "domain.py"
    bad.write_text("import sqlalchemy\nfrom fastapi import APIRouter\n")
    assert _imports(bad) & FORBIDDEN == {"sqlalchemy", "fastapi"}

"""Everything `src/fanzha` imports at run time is a declared dependency, not only a test extra."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Import name → distribution name, where they differ.
DISTRIBUTION = {
    "argon2": "argon2-cffi",
    "pydantic_settings": "pydantic-settings",
    "multipart": "python-multipart",
    "nats": "nats-py",
    "psycopg": "psycopg",
    "yaml": "pyyaml",
    "ibis": "ibis-framework",
    "sklearn": "scikit-learn",
}
# Pulled in by a declared dependency that guarantees them (fastapi → starlette).
PROVIDED = {"starlette": "fastapi"}
# Imported only where the user chose the feature, and declared in that optional extra.
OPTIONAL = {"pyspark": "spark", "opentelemetry": "otel"}


def _imports() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "src" / "fanzha").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    # fanzha_client ships inside the platform (clients/python, one of its package roots).
    return names - set(sys.stdlib_module_names) - {"fanzha", "fanzha_client", "__future__"}


def test_runtime_imports_are_declared_dependencies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {re.split(r"[<>=\[ ;]", d, maxsplit=1)[0].lower() for d in project["dependencies"]}
    needed = {PROVIDED.get(n, DISTRIBUTION.get(n, n)).lower().replace("_", "-") for n in _imports()}
    for name, extra in OPTIONAL.items():
        assert any(d.startswith(name) for d in project["optional-dependencies"][extra])
    assert needed - declared - set(OPTIONAL) == set()
    assert {"fastapi", "sqlalchemy", "httpx"} <= needed  # the scan really sees the code

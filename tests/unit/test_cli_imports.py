"""The command line starts light: `fanzha --help` loads no heavy library and answers well under a second."""

from __future__ import annotations

import subprocess
import sys

import fanzha_client

HEAVY = ("pydantic_settings", "numpy", "httpx", "sqlalchemy", "duckdb", "ibis", "fastapi", "pyarrow")


def _modules_after(statement: str) -> set[str]:
    probe = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    return set(done.stdout.split())


def test_the_command_line_module_loads_no_heavy_library() -> None:
    loaded = _modules_after("import fanzha.cli")
    assert "typer" in loaded
    assert [name for name in HEAVY if name in loaded] == []


def test_the_client_token_module_alone_loads_neither_httpx_nor_numpy() -> None:
    loaded = _modules_after("import fanzha_client.tokens")
    assert {"httpx", "numpy"}.isdisjoint(loaded)


def test_every_exported_client_name_resolves() -> None:
    for name in fanzha_client.__all__:
        assert getattr(fanzha_client, name).__name__ == name


def test_an_unknown_client_name_is_an_attribute_error() -> None:
    try:
        _ = fanzha_client.NoSuchThing  # type: ignore[attr-defined]
    except AttributeError as error:
        assert "NoSuchThing" in str(error)
    else:
        raise AssertionError("an unknown name resolved")

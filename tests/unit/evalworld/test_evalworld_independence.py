"""evalworld is independent of the simulator and the engines it evaluates."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import evalworld
from evalworld import vocab

PKG = Path(evalworld.__file__).parent
ALLOWED_THIRD_PARTY = {"numpy", "pandas", "pyarrow"}


def _imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
    return out


def test_imports_only_contracts_numpy_pandas_pyarrow_and_stdlib() -> None:
    modules = sorted(PKG.glob("*.py"))
    assert len(modules) >= 5
    for path in modules:
        for name in _imports(path):
            top = name.split(".")[0]
            if top == "fanzha":
                assert name == "fanzha.contracts" or name.startswith("fanzha.contracts."), (path.name, name)
                continue
            assert not name.startswith(("fanzha.sim", "fanzha.detect")), (path.name, name)
            assert top in ALLOWED_THIRD_PARTY or top in sys.stdlib_module_names or top == "evalworld", (
                path.name,
                name,
            )


@pytest.fixture(scope="module")
def sim_texts(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Every SMS and chat text of a small simulator world, from its output only."""
    out = tmp_path_factory.mktemp("sim")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "fanzha.sim.cli",
            "generate",
            "--people",
            "800",
            "--days",
            "4",
            "--seed",
            "3",
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    texts: set[str] = set()
    for name in ("sms", "chats"):
        texts |= set(pd.read_parquet(out / f"{name}.parquet", columns=["text"]).text)
    return texts


def test_no_shared_message_text(sim_texts: set[str], world: Path) -> None:
    ours: set[str] = set()
    for name in ("sms", "chats"):
        ours |= set(pd.read_parquet(world / f"{name}.parquet", columns=["text"]).text)
    shared = ours & sim_texts
    assert not shared, sorted(shared)[:10]


def test_no_simulator_phrase_in_our_templates(sim_texts: set[str]) -> None:
    # Fixed fragments of our templates (between slots) longer than 8 characters must not occur
    # in any simulator message, and no simulator message may be one of our templates.
    fragments = {f for t in vocab.all_templates() for f in re.split(r"\{\w+\}", t) if len(f) >= 8}
    joined = "\n".join(sim_texts)
    found = sorted(f for f in fragments if f in joined)
    assert not found, found[:10]
    assert not (set(vocab.all_templates()) & sim_texts)

"""No engine reads the truth: its alerts are the same with the label tables taken away (issue 19)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fanzha.contracts import labels
from fanzha.detect.province import Province
from fanzha.detect.registry import REGISTRY, engine
from fanzha.detect.runner import run

LABEL_FILES = {f"{c.name}.parquet" for c in labels.TABLES}


@pytest.fixture(scope="module")
def blind_province(province_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Province:
    """The session's province with every label table removed (what an institution's export holds)."""
    out = tmp_path_factory.mktemp("blind")
    for path in province_dir.iterdir():
        if path.is_file() and path.name not in LABEL_FILES:
            shutil.copy2(path, out / path.name)
    assert not LABEL_FILES & {p.name for p in out.iterdir()}
    return Province.open(out, "duckdb")


def test_the_province_has_labels_to_take_away(province_dir: Path) -> None:
    """Otherwise the comparison below would prove nothing."""
    assert {p.name for p in province_dir.iterdir()} >= LABEL_FILES


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_alerts_do_not_depend_on_labels(
    name: str, duckdb_province: Province, blind_province: Province
) -> None:
    """Same alerts, row for row, with and without the label tables (a read of one would fail or differ)."""
    seen = run(engine(name), duckdb_province)
    blind = run(engine(name), blind_province)
    assert blind.equals(seen), f"{name}: alerts change when the label tables are absent"

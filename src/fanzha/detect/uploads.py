"""An institution's own data files for a detection run: checked against the data contract line by line,
staged, then stored in its own folder on confirmation (Art 10-23: each sector monitors its own data)."""

from __future__ import annotations

import io
import json
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from fanzha.contracts import TABLES, VERSION, Contract
from fanzha.core.errors import ValidationFailed

MAX_BYTES = 64 * 1024 * 1024
MAX_ERRORS = 50  # the report names the first lines wrong; more would only hide the pattern
STAGING = ".uploads"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


@dataclass
class LineError:
    """One wrong value: its line (CSV, header is line 1) or row (Parquet, from 1), column and rule."""

    line: int
    column: str
    message_zh: str
    message_en: str


@dataclass
class Checked:
    """A file checked against its table's contract: its rows, or the errors that refuse it."""

    table: str
    rows: int
    errors: list[LineError] = field(default_factory=list)
    data: pa.Table | None = None


def dataset_name(value: str) -> str:
    """A dataset's name: letters, digits, - and _ (a folder of the caller's own, never a path)."""
    name = value.strip()
    if not _NAME.match(name):
        raise ValidationFailed(
            "数据集名称只能由字母、数字、- 和 _ 组成（至多 64 个字符），如 2025-03-01",
            "A dataset name takes letters, digits, - and _ only (64 at most), e.g. 2025-03-01",
            field="dataset",
        )
    return name


def table_contract(name: str) -> Contract:
    """The contract of an uploadable table (the labels are the simulator's ground truth, not data)."""
    found = TABLES.get(name)
    if found is None or found.group == "labels":
        raise ValidationFailed(f"未知的数据表：{name}", f"Unknown table: {name}", field="table")
    return found


def _read(data: bytes, filename: str) -> tuple[pa.Table, int]:
    """The file as strings (CSV) or as written (Parquet), and the line offset of its first row."""
    if data[:4] == b"PAR1":
        try:
            return pq.read_table(io.BytesIO(data)), 1
        except (pa.ArrowInvalid, OSError):
            raise ValidationFailed(
                "Parquet 文件已损坏", "The Parquet file is damaged", field="file"
            ) from None
    if filename.lower().endswith(".parquet"):
        raise ValidationFailed(
            "文件名为 .parquet，但内容不是 Parquet（按文件内容判断）",
            "Named .parquet but not Parquet (judged by its content)",
            field="file",
        )
    try:
        data.decode("utf-8")
        header = pacsv.read_csv(io.BytesIO(data), read_options=pacsv.ReadOptions(block_size=1 << 20))
        strings = {name: pa.string() for name in header.column_names}
        table = pacsv.read_csv(
            io.BytesIO(data),
            convert_options=pacsv.ConvertOptions(column_types=strings, strings_can_be_null=True),
        )
    except (UnicodeDecodeError, pa.ArrowInvalid):
        raise ValidationFailed(
            "文件须为 Parquet，或带表头的 UTF-8 CSV",
            "The file must be Parquet or UTF-8 CSV with a header",
            field="file",
        ) from None
    return table, 2


def _column_errors(column: pa.ChunkedArray, target: pa.DataType, name: str, first: int) -> list[LineError]:
    """The lines whose value does not convert to the contract's type (checked one by one on failure)."""
    errors = []
    for index, value in enumerate(column.to_pylist()):
        if value is None:
            continue
        try:
            pa.array([value], type=column.type).cast(target)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            hint = (
                "须带时区，如 2025-03-01T08:00:00+08:00"
                if pa.types.is_timestamp(target)
                else f"须为 {target}"
            )
            hint_en = (
                "needs a time zone, e.g. 2025-03-01T08:00:00+08:00"
                if pa.types.is_timestamp(target)
                else f"must be {target}"
            )
            errors.append(
                LineError(
                    first + index, name, f"「{str(value)[:40]}」{hint}", f"'{str(value)[:40]}' {hint_en}"
                )
            )
            if len(errors) >= MAX_ERRORS:
                break
    return errors


def check(table_name: str, data: bytes, filename: str) -> Checked:
    """The file against the table's contract: every column there, each value of its type, no missing
    value where the contract requires one; errors name the line."""
    contract = table_contract(table_name)
    if not data:
        raise ValidationFailed("文件是空的", "The file is empty", field="file")
    if len(data) > MAX_BYTES:
        raise ValidationFailed("文件不能超过 64 MB", "The file may not exceed 64 MB", field="file")
    raw, first = _read(data, filename)
    missing = [c for c in contract.names if c not in raw.column_names]
    if missing:
        raise ValidationFailed(
            f"缺少数据契约要求的列：{'、'.join(missing)}",
            f"Columns the data contract requires are missing: {', '.join(missing)}",
            field="file",
        )
    result = Checked(contract.name, raw.num_rows)
    columns = []
    for spec in contract.columns:
        column = raw.column(spec.name)
        try:
            converted = column.cast(spec.type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            result.errors += _column_errors(column, spec.type, spec.name, first)
            continue
        if not spec.nullable and converted.null_count:
            nulls = [i for i, v in enumerate(converted.is_null().to_pylist()) if v][:MAX_ERRORS]
            result.errors += [LineError(first + i, spec.name, "必填", "is required") for i in nulls]
        columns.append(converted)
    if not result.errors:
        result.data = pa.Table.from_arrays(columns, schema=contract.schema)
    result.errors = sorted(result.errors, key=lambda e: (e.line, e.column))[:MAX_ERRORS]
    return result


def stage(root: Path, checked: Checked) -> str:
    """Keep a checked file aside until confirmed; returns the token the confirmation carries."""
    assert checked.data is not None
    token = secrets.token_urlsafe(24)
    folder = root / STAGING
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(checked.data, folder / f"{token}.{checked.table}.parquet")
    return token


def publish(root: Path, token: str, table: str, dataset: str, days: int) -> int:
    """Move a staged file into the dataset (every other contract table empty until uploaded), with its
    manifest; returns the rows stored."""
    contract = table_contract(table)
    name = dataset_name(dataset)
    staged = root / STAGING / f"{token}.{contract.name}.parquet"
    if not _TOKEN.match(token) or not staged.is_file():
        raise ValidationFailed(
            "上传已过期或不存在，请重新上传", "The upload expired or is unknown; upload again", field="token"
        )
    target = root / name
    target.mkdir(parents=True, exist_ok=True)
    staged.replace(target / f"{contract.name}.parquet")
    for other in TABLES.values():
        path = target / f"{other.name}.parquet"
        if other.group != "labels" and not path.exists():
            pq.write_table(pa.Table.from_pylist([], schema=other.schema), path)
    counts = {
        p.stem: pq.read_metadata(p).num_rows for p in sorted(target.glob("*.parquet")) if p.stem in TABLES
    }
    manifest = {"contract_version": VERSION, "days": days, "people": 0, "seed": 0, "tables": counts}
    (target / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    return int(counts[contract.name])


def datasets(root: Path) -> list[dict[str, object]]:
    """The caller's datasets: name and rows per non-empty table (no path)."""
    if not root.is_dir():
        return []
    found: list[dict[str, object]] = []
    for folder in sorted(p for p in root.iterdir() if (p / "manifest.json").is_file()):
        try:
            tables = json.loads((folder / "manifest.json").read_text()).get("tables", {})
        except (OSError, ValueError):
            tables = {}
        found.append({"name": folder.name, "tables": {k: v for k, v in tables.items() if v}})
    return found

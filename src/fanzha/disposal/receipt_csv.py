"""Bulk receipts from a CSV file (Art 13, 34¶1): each line parsed on its own, refusals naming the line."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from pydantic import ValidationError

from fanzha.core.errors import FanzhaError, ValidationFailed
from fanzha.core.invalid import invalid
from fanzha.disposal.schemas import ReceiptCreate

COLUMNS = ("order_id", "status")  # required; verification, reason, notice_delivered are optional
OPTIONAL = ("verification", "reason", "notice_delivered")
MAX_LINES = 5_000
MAX_BYTES = 1024 * 1024
_YES = {"true", "1", "yes", "y", "是"}
_NO = {"false", "0", "no", "n", "否", ""}
TEMPLATE = "order_id,status,verification,reason,notice_delivered\n123,executed,passed,,true\n"


@dataclass(frozen=True)
class ReceiptLine:
    """One CSV line: its number, the order it answers and the receipt, or why it cannot be read."""

    line: int
    order_id: int | None
    receipt: ReceiptCreate | None
    error: FanzhaError | None = None


def at_line(line: int, error: FanzhaError) -> ValidationFailed:
    """The error with its line number in front, in both languages."""
    return ValidationFailed(
        f"第 {line} 行：{error.message_zh}",
        f"Line {line}: {error.message_en}",
        field=error.field or f"line {line}",
    )


def _line(number: int, row: dict[str, str]) -> ReceiptLine:
    raw_id = (row.get("order_id") or "").strip()
    if not raw_id.isdigit() or int(raw_id) < 1:
        bad = ValidationFailed(
            "指令编号须为正整数", "order_id must be a positive whole number", field="order_id"
        )
        return ReceiptLine(number, None, None, at_line(number, bad))
    order_id = int(raw_id)
    delivered = (row.get("notice_delivered") or "").strip().lower()
    if delivered not in _YES | _NO:
        bad = ValidationFailed(
            "告知书送达须为 true 或 false", "notice_delivered must be true or false", field="notice_delivered"
        )
        return ReceiptLine(number, order_id, None, at_line(number, bad))
    fields = {
        "status": (row.get("status") or "").strip(),
        "reason": (row.get("reason") or "").strip(),
        "notice_delivered": delivered in _YES,
    }
    if (row.get("verification") or "").strip():
        fields["verification"] = (row.get("verification") or "").strip()
    try:
        return ReceiptLine(number, order_id, ReceiptCreate.model_validate(fields))
    except ValidationError as wrong:
        return ReceiptLine(number, order_id, None, at_line(number, invalid(wrong)))


def parse(data: bytes) -> list[ReceiptLine]:
    """The file's lines (header on line 1); a file that is not a readable CSV is refused as a whole."""
    if len(data) > MAX_BYTES:
        raise ValidationFailed("文件不能超过 1 MB", "The file may not exceed 1 MB", field="file")
    try:
        reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
        rows = list(reader)
    except (UnicodeDecodeError, csv.Error):
        raise ValidationFailed(
            "文件须为 UTF-8 编码的 CSV", "The file must be UTF-8 CSV", field="file"
        ) from None
    names = {(c or "").strip() for c in reader.fieldnames or []}
    if not set(COLUMNS) <= names:
        raise ValidationFailed(
            "CSV 须包含列 order_id 和 status（可选 verification、reason、notice_delivered）",
            "CSV needs columns order_id and status (optional: verification, reason, notice_delivered)",
            field="file",
        )
    if not rows:
        raise ValidationFailed("文件中没有回执行", "The file has no receipt lines", field="file")
    if len(rows) > MAX_LINES:
        raise ValidationFailed(
            f"一次至多 {MAX_LINES} 行", f"At most {MAX_LINES} lines at a time", field="file"
        )
    cleaned = ({(k or "").strip(): v or "" for k, v in r.items() if k} for r in rows)
    return [_line(number, row) for number, row in enumerate(cleaned, start=2)]

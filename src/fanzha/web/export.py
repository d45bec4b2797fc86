"""Console lists as CSV or Excel downloads; cells a spreadsheet would run as formulas stay text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

import xlsxwriter
from fastapi.responses import Response

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXPORT_LIMIT = 10_000  # rows in one download; more is a job for the API's paging
# OWASP CSV injection: a leading = + - @ or a tab or carriage return makes a spreadsheet evaluate the cell.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Numbers stay numbers; text that a spreadsheet would evaluate gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese text correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(c) for c in columns])
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """One sheet, bold header, frozen first row; text written as text, never as a formula."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    sheet = book.add_worksheet()
    bold = book.add_format({"bold": True})
    for col, name in enumerate(columns):
        sheet.write_string(0, col, str(name), bold)
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            cell = safe_cell(value)
            if isinstance(cell, int | float):
                sheet.write_number(r, col, cell)
            else:
                sheet.write_string(r, col, cell)
    sheet.freeze_panes(1, 0)
    sheet.set_column(0, max(len(columns) - 1, 0), 18)
    book.close()
    return buffer.getvalue()


def download(fmt: str, stem: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """The file as an attachment named `stem.fmt` (the caller has checked `fmt` and audited the export)."""
    body = to_xlsx(columns, rows) if fmt == "xlsx" else to_csv(columns, rows)
    name = quote(f"{stem}.{fmt}")
    return Response(
        body,
        media_type=FORMATS[fmt],
        headers={"Content-Disposition": f"attachment; filename=\"export.{fmt}\"; filename*=UTF-8''{name}"},
    )

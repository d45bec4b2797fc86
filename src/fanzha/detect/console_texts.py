"""Console texts of the institutions' data uploads for detection runs (issue 20 item 5)."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    "upload.title": ("上传本单位数据", "Upload your data"),
    "upload.hint": (
        "检测读取本单位上传的数据集：先上传数据文件，再在此选择数据集名称。",
        "Runs read the datasets your institution uploaded: upload the files, then name the dataset here.",
    ),
    "upload.help": (
        "每个文件是一张数据表（Parquet 或带表头的 UTF-8 CSV），按数据契约逐行检查："
        "列齐全、类型正确、必填值不缺；时间须带时区。检查通过后先预览，确认后才存入本单位的数据集。",
        "Each file is one table (Parquet, or UTF-8 CSV with a header), checked line by line against the data "
        "contract: every column there, each value of its type, nothing required missing; times carry a time "
        "zone. A file that passes is previewed, and stored in your dataset only once you confirm.",
    ),
    "upload.dataset": ("数据集名称", "Dataset name"),
    "upload.table": ("数据表", "Table"),
    "upload.days": ("覆盖天数", "Days covered"),
    "upload.file": ("数据文件（Parquet 或 CSV）", "Data file (Parquet or CSV)"),
    "upload.check": ("上传并检查", "Upload and check"),
    "upload.refused": (
        "文件未通过数据契约检查，未保存任何内容：",
        "The file failed the data contract; nothing was kept:",
    ),
    "upload.passed": ("检查通过，尚未保存", "Checked, not yet stored"),
    "upload.rows": ("行数", "Rows"),
    "upload.columns": ("列", "Columns"),
    "upload.confirm": ("确认存入数据集", "Confirm and store"),
    "upload.stored": ("已存入数据集", "Stored in the dataset"),
    "upload.datasets": ("本单位的数据集", "Your datasets"),
    "upload.column": ("列名", "Column"),
    "upload.problem": ("问题", "Problem"),
    "upload.start_run": ("用此数据集发起检测", "Start a run on this dataset"),
}

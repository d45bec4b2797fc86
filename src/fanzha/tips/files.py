"""Tip files (Art 38¶1): images, audio and PDF, each told by its content like appeal attachments."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from fanzha.appeals.attachments import clean_name
from fanzha.core.errors import ValidationFailed

MAX_FILES = 5
MAX_BYTES = 5 * 1024 * 1024
# (how the bytes start, at which offset; media type; extension). The name and declared type never count.
SIGNATURES: tuple[tuple[bytes, int, str, str], ...] = (
    (b"%PDF-", 0, "application/pdf", "pdf"),
    (b"\xff\xd8\xff", 0, "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png", "png"),
    (b"ID3", 0, "audio/mpeg", "mp3"),
    (b"\xff\xfb", 0, "audio/mpeg", "mp3"),
    (b"\xff\xf3", 0, "audio/mpeg", "mp3"),
    (b"\xff\xf2", 0, "audio/mpeg", "mp3"),
    (b"#!AMR\n", 0, "audio/amr", "amr"),
    (b"ftypM4A ", 4, "audio/mp4", "m4a"),
)
MEDIA_TYPES = frozenset(media for _, _, media, _ in SIGNATURES) | {"audio/wav"}
EXTENSIONS = {media: ext for _, _, media, ext in SIGNATURES} | {"audio/wav": "wav"}


def sniff(data: bytes) -> str | None:
    """The media type the bytes are (PDF, JPEG, PNG, MP3, AMR, M4A or WAV), else None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    for magic, offset, media, _ in SIGNATURES:
        if data[offset : offset + len(magic)] == magic:
            return media
    return None


@dataclass(frozen=True)
class TipFile:
    """A file that passed the checks: typed name, sniffed type, bytes and their SHA-256."""

    name: str
    media_type: str
    data: bytes
    sha256: str


def check_file(raw_name: str, data: bytes, field: str = "files") -> TipFile:
    """Non-empty, at most 5 MB, an image, a recording or a PDF by its content; else refused."""
    name = clean_name(raw_name)
    if not data:
        raise ValidationFailed(f"文件「{name}」是空文件", f"File '{name}' is empty", field=field)
    if len(data) > MAX_BYTES:
        raise ValidationFailed(f"文件「{name}」超过 5 MB", f"File '{name}' is larger than 5 MB", field=field)
    media = sniff(data)
    if media is None:
        raise ValidationFailed(
            f"文件「{name}」不是图片（JPEG、PNG）、录音（MP3、AMR、M4A、WAV）或 PDF"
            "（按文件内容判断，与文件名无关）",
            f"File '{name}' is not an image (JPEG, PNG), a recording (MP3, AMR, M4A, WAV) or a PDF "
            "(judged by its content, not its name)",
            field=field,
            code="file_type_refused",
        )
    stem = name.split(".")[0][:90] or "file"
    return TipFile(f"{stem}.{EXTENSIONS[media]}", media, data, hashlib.sha256(data).hexdigest())


def check_count(count: int, field: str = "files") -> None:
    """At most five files per tip."""
    if count > MAX_FILES:
        raise ValidationFailed(
            f"每条举报最多 {MAX_FILES} 个文件", f"At most {MAX_FILES} files per tip", field=field
        )

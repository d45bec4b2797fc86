"""Every console text the accountability pages use exists in Chinese and English."""

from __future__ import annotations

import re
from pathlib import Path

from fanzha.accountability.console_texts import TEXTS
from fanzha.accountability.domain import KINDS, REPORT_KINDS
from fanzha.accountability.views import STEPS
from fanzha.web.i18n import CATALOGUE

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "fanzha" / "web" / "templates" / "accountability"


def test_every_static_key_in_the_templates_is_defined() -> None:
    keys: set[str] = set()
    for path in TEMPLATES.glob("*.html"):
        keys |= set(re.findall(r'_\("([a-z_.]+)"\)', path.read_text(encoding="utf-8")))
    assert keys and keys <= set(TEXTS) | {"common.none"}


def test_dynamic_keys_and_both_languages() -> None:
    dynamic = (
        [f"acc.step.{s}" for s in (*STEPS, "open")]
        + [f"acc.kind.{k}" for k in KINDS]
        + [f"acc.report.{k}" for k in (*REPORT_KINDS, "accepted", "escalation")]
        + [f"acc.item_status.{s}" for s in ("open", "answered", "closed")]
        + [f"acc.overdue.{s}" for s in ("deadline", "report")]
        + [f"acc.appeal.{k}" for k in ("reconsideration", "litigation")]
        + [f"acc.control.{k}" for k in ("control", "assessment")]
    )
    assert set(dynamic) <= set(TEXTS)
    for key, (zh, en) in TEXTS.items():
        assert zh and en and re.search(r"[\u4e00-\u9fff]", zh), key
        assert CATALOGUE[key] == (zh, en)

"""号码归属地: the home city of a phone number in the province, from the numbering plan shipped as data."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

# Digits 4-7 of a mobile number are its HLR block (H码); the plan maps blocks to cities.
MOBILE_LENGTH = 11


@dataclass(frozen=True)
class Plan:
    """The mobile blocks (first, last, city) and the landline prefixes (prefix → city), longest first."""

    mobile: tuple[tuple[int, int, str], ...]
    landline: tuple[tuple[str, str], ...]
    names: dict[str, str]


@cache
def plan() -> Plan:
    """The plan in `home_regions.csv` (its header says where each part comes from)."""
    text = resources.files("fanzha.tips").joinpath("home_regions.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if line and not line.startswith("#"))
    mobile: list[tuple[int, int, str]] = []
    landline: list[tuple[str, str]] = []
    names: dict[str, str] = {}
    for row in rows:
        names[row["city_code"]] = row["name_zh"]
        if row["plan"] == "mobile":
            mobile.append((int(row["start"]), int(row["end"]), row["city_code"]))
        else:
            landline.append((row["start"], row["city_code"]))
    landline.sort(key=lambda p: -len(p[0]))
    return Plan(tuple(sorted(mobile)), tuple(landline), names)


def home_city(number: str) -> str | None:
    """The city code of a normalised number (`+86…`), or None when it is not the province's."""
    if not number.startswith("+86"):
        return None
    national = number[3:]
    the_plan = plan()
    if len(national) == MOBILE_LENGTH and national.startswith("1"):
        block = int(national[3:7])
        return next((city for first, last, city in the_plan.mobile if first <= block <= last), None)
    return next((city for prefix, city in the_plan.landline if national.startswith(prefix)), None)

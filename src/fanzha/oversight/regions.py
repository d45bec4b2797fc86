"""Names of Hunan's regions for tables and charts (the province, its 14 cities and 122 counties)."""

from __future__ import annotations

from functools import cache

from fanzha.oversight.domain import PROVINCE_CODE


@cache
def _names() -> dict[str, str]:
    # The region tree the simulator and the demo share (GB/T 2260 codes).
    from fanzha.sim.regions import CITIES, PROVINCE, counties

    names = {PROVINCE[0]: PROVINCE[1]}
    names |= {code: zh for code, zh, _, _ in CITIES}
    names |= {code: zh for code, zh, _ in counties()}
    return names


def region_name(code: str) -> str:
    """The Chinese name of a region code; a city's own records read as 「市本级」 at county grain."""
    if code == PROVINCE_CODE:
        return "省本级"
    return _names().get(code, code)

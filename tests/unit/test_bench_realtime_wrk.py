"""The real-time bench reads wrk's figures from its done() line, never from wrk's own table."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench.realtime import WRK_MARK, lua_script, parse_wrk

# wrk's own summary as it came out in the runs that crashed the old parser: a Stdev cell of "-nanus".
TABLE = """Running 10s test @ http://127.0.0.1:8000
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     8.12ms   -nanus  45.00ms    0.00%
    Req/Sec     4.01k   312.55     4.50k    71.00%
"""


def test_the_done_line_gives_rate_percentiles_and_errors() -> None:
    line = (
        f'{WRK_MARK}{{"requests":40000,"duration_us":10000000,"p50_us":7100,"p99_us":29600,'
        '"connect":0,"read":2,"write":0,"status":5,"timeout":1}'
    )
    figures = parse_wrk(TABLE + line + "\n")
    assert figures["rps"] == pytest.approx(4000.0)
    assert (figures["p50_ms"], figures["p99_ms"]) == (pytest.approx(7.1), pytest.approx(29.6))
    assert figures["non_2xx"] == 5
    assert figures["socket_errors"] == "read 2, timeout 1"


def test_no_done_line_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="no summary line"):
        parse_wrk(TABLE)


def test_the_script_prints_the_done_line(tmp_path: Path) -> None:
    path = tmp_path / "x.lua"
    lua_script(path, ['{"a":1}'], "/p", "fz_key")
    text = path.read_text()
    assert "done = function(summary, latency, requests)" in text
    assert WRK_MARK + '{"requests":%.0f' in text
    assert "latency:percentile(99)" in text

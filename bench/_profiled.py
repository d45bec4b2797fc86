"""Run a `fanzha` command under cProfile and write its profile when it ends, SIGTERM included.

python bench/_profiled.py OUT.prof events dispatch      # what `fanzha events dispatch` does
python -c "import pstats; pstats.Stats('OUT.prof').sort_stats('tottime').print_stats(25)"
"""

from __future__ import annotations

import cProfile
import signal
import sys
from types import FrameType


def _stop(_signal: int, _frame: FrameType | None) -> None:
    raise SystemExit(143)  # unwinds through asyncio.run, so the profile below is written


def main() -> None:
    """Profile `fanzha ARGS` into the file named first."""
    out, args = sys.argv[1], sys.argv[2:]
    from fanzha.cli import app

    signal.signal(signal.SIGTERM, _stop)
    profile = cProfile.Profile()
    profile.enable()
    try:
        app(args, standalone_mode=False)
    except (SystemExit, KeyboardInterrupt):
        pass
    finally:
        profile.disable()
        profile.dump_stats(out)


if __name__ == "__main__":
    main()

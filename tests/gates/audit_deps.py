"""pip-audit over requirements/dev.lock: fails on a known vulnerability, says so when nothing was audited.

Run by `make check-reliability` only: it needs the advisory database (PyPI's JSON API, or OSV), and an
offline machine must not make `make test` red.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

LOCK = Path(__file__).parents[2] / "requirements" / "dev.lock"


def audit(lock: Path = LOCK) -> int:
    """Print audited / skipped / vulnerable counts and one JSON line; non-zero on a finding or no audit."""
    command = [
        sys.executable,
        "-m",
        "pip_audit",
        "-r",
        str(lock),
        "--no-deps",  # the lock is complete: every transitive dependency is pinned in it
        "--disable-pip",
        "--progress-spinner",
        "off",
        "-f",
        "json",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        print("pip-audit could not run or reach its advisory database:", file=sys.stderr)
        print(done.stderr.strip()[-2000:], file=sys.stderr)
        print('{"gate": "pip-audit", "audited": 0, "result": "unreachable"}')
        return 2
    deps = report.get("dependencies", [])
    skipped = [d for d in deps if d.get("skip_reason")]
    vulnerable = [d for d in deps if d.get("vulns")]
    audited = len(deps) - len(skipped)
    print(f"pip-audit over {lock.name}: {len(deps)} pinned, {audited} audited, {len(skipped)} not audited")
    for dep in vulnerable:
        ids = ", ".join(v["id"] for v in dep["vulns"])
        print(f"  VULNERABLE {dep['name']}=={dep.get('version')}: {ids}")
    if skipped:
        print(f"  not audited (the advisory source does not know them): {skipped[0]['skip_reason']} ...")
    result = "vulnerable" if vulnerable else ("not audited" if audited == 0 else "clean")
    print(json.dumps({"gate": "pip-audit", "pinned": len(deps), "audited": audited, "result": result}))
    if audited == 0:
        print(
            "NOTHING WAS AUDITED: the advisory database could not be reached or knows none of the pinned "
            "versions; run `make check-reliability` where PyPI's JSON API or OSV answers.",
            file=sys.stderr,
        )
        return 2
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(audit(Path(sys.argv[1]) if len(sys.argv) > 1 else LOCK))

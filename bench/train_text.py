"""Train ScamTextV1 on simulated provinces and the simulator's grammars; measure on a held-out seed.

Reproduce card v4 (provinces of seeds 1-3 plus 2,000 grammar messages of each scam type and 30,000
genuine ones drawn with grammar seed 1, half of them from the stage grammar; temperature and fraud floor
fitted and measured on province seed 4 plus a quarter as many grammar messages drawn with seed 2):
    for s in 1 2 3 4; do fanzha sim generate --people 3000 --days 14 --seed $s --out /tmp/t$s; done
    .venv/bin/python bench/train_text.py --train /tmp/t1 /tmp/t2 /tmp/t3 --heldout /tmp/t4 --grammar 2000
Then `python bench/quality.py --engine ScamTextV1` for the cross-world figures the card records.
"""

from __future__ import annotations

import argparse
import json

from fanzha.detect.text.train import train_text
from fanzha.sim.grammar import corpus

GENUINE_PER_TYPE = 15  # genuine grammar messages per scam-type message: normal text is the wider class


def main() -> None:
    """Train, save models/ScamTextV1, print the held-out figures and one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", nargs="+", required=True)
    parser.add_argument("--heldout", required=True)
    parser.add_argument("--grammar", type=int, default=0, help="grammar messages per scam type (0: none)")
    parser.add_argument("--c", type=float, default=20.0, help="inverse regularisation of the regression")
    parser.add_argument(
        "--normal-mass", type=float, default=1.0, help="normal text weighs this many scam types"
    )
    parser.add_argument("--dry-run", action="store_true", help="measure without saving the model")
    args = parser.parse_args()
    n = args.grammar
    extra = corpus(1, n, n * GENUINE_PER_TYPE) if n else None
    held = corpus(2, n // 4, n * GENUINE_PER_TYPE // 4) if n else None
    note = f"{n} per scam type and {n * GENUINE_PER_TYPE} genuine (seed 1); held out a quarter (seed 2)"
    _, metrics = train_text(
        args.train,
        out=not args.dry_run,
        heldout=args.heldout,
        extra=extra,
        extra_heldout=held,
        extra_note=note if n else None,
        c=args.c,
        normal_mass=args.normal_mass,
    )
    for key, value in metrics.items():
        print(f"{key:>18}: {value}")
    print(json.dumps({"bench": "train_text", **metrics}, ensure_ascii=False))


if __name__ == "__main__":
    main()

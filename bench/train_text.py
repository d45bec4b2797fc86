"""Train ScamTextV1 on simulated provinces and measure it on a held-out one (another seed).

Reproduce card v2 (trained on seeds 1-3, temperature fitted and measured on seed 4):
    for s in 1 2 3 4; do fanzha sim generate --people 3000 --days 14 --seed $s --out /tmp/t$s; done
    .venv/bin/python bench/train_text.py --train /tmp/t1 /tmp/t2 /tmp/t3 --heldout /tmp/t4
Then `python bench/quality.py` for the cross-world figures the card records.
"""

from __future__ import annotations

import argparse
import json

from fanzha.detect.text.train import train_text


def main() -> None:
    """Train, save models/ScamTextV1, print the held-out figures and one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", nargs="+", required=True)
    parser.add_argument("--heldout", required=True)
    parser.add_argument("--dry-run", action="store_true", help="measure without saving the model")
    args = parser.parse_args()
    _, metrics = train_text(args.train, out=not args.dry_run, heldout=args.heldout)
    for key, value in metrics.items():
        print(f"{key:>18}: {value}")
    print(json.dumps({"bench": "train_text", **metrics}, ensure_ascii=False))


if __name__ == "__main__":
    main()

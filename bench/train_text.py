"""Train ScamTextV1 on simulated provinces and measure it on a held-out one (another seed).

Reproduce:
    fanzha sim generate --people 10000 --days 30 --seed 1 --out /tmp/text_train
    fanzha sim generate --people 10000 --days 30 --seed 2 --out /tmp/text_heldout
    .venv/bin/python bench/train_text.py --train /tmp/text_train --heldout /tmp/text_heldout
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

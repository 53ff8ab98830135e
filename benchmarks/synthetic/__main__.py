"""Command line: generate a labelled corpus, or score a JSON report against one."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from benchmarks.synthetic import generate, load, score_report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.synthetic", description=__doc__)
    ap.add_argument("--out", type=Path, help="generate a corpus into this (empty or new) directory")
    ap.add_argument("--projects", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--unrelated-ratio", type=int, default=2, help="unrelated files per project, about")
    ap.add_argument("--score", type=Path, metavar="DIR", help="score --report against the corpus in DIR")
    ap.add_argument("--report", type=Path, help="output of `lint --format json` run inside the corpus")
    a = ap.parse_args(argv)
    if a.out:
        corpus = generate(a.out, a.projects, a.seed, a.unrelated_ratio)
        rules = Counter(label.rule or "granted" for label in corpus.labels)
        print(f"{corpus.files} files, {len(corpus.labels)} labels {dict(sorted(rules.items()))}", file=sys.stderr)
        return 0
    if a.score and a.report:
        result = score_report(load(a.score), json.loads(a.report.read_text(encoding="utf-8")))
        print(result.report())
        return 0 if result.perfect else 1
    ap.error("give --out, or --score with --report")
    return 2


if __name__ == "__main__":
    sys.exit(main())

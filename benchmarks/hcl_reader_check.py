#!/usr/bin/env python3
"""Compare the direct HCL reader (linter/parsers/hcl_reader.py) with the parse by python-hcl2's grammar on real code.

    .venv/bin/python benchmarks/hcl_reader_check.py DIR [DIR ...]

For every .tf file under the directories: how many the reader reads itself, how many it leaves to the grammar, and
any file where the two differ (there must be none), with the first difference; then the time each took. The tests
run the same comparison on the fixtures and a generated corpus (tests/test_hcl_reader.py); this is for trees too big
or too foreign to keep in the repository.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from infra_policy_linter.parsers import terraform  # noqa: E402
from infra_policy_linter.parsers.hcl_reader import read_body  # noqa: E402
from tests.hcl_compare import first_difference  # noqa: E402


def main() -> int:
    files = sorted(p for root in sys.argv[1:] for p in Path(root).rglob("*.tf") if p.is_file())
    counts: Counter[str] = Counter()
    times = {"reader": 0.0, "grammar": 0.0}
    differ = 0
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            counts["unreadable"] += 1
            continue
        if terraform._nesting_too_deep(text) is not None:
            counts["too deep"] += 1
            continue
        start = time.perf_counter()
        fast = read_body(text + "\n")
        times["reader"] += time.perf_counter() - start
        start = time.perf_counter()
        try:
            reference: object = terraform._lark_loads(text)
        except Exception as exc:  # what parse_hcl reports as a parse error
            reference = exc
        times["grammar"] += time.perf_counter() - start
        if fast is None:
            counts["left to the grammar" + (" (a parse error)" if isinstance(reference, Exception) else "")] += 1
            continue
        counts["read by the reader"] += 1
        where = first_difference(fast, reference)
        if where is not None:
            differ += 1
            print(f"DIFFERS {path}: {where}")
    print(f"{len(files)} files: " + ", ".join(f"{n} {what}" for what, n in sorted(counts.items())))
    print(f"time: reader {times['reader']:.2f} s (all files), grammar {times['grammar']:.2f} s (all files)")
    print(f"{differ} files differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())

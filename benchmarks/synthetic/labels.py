"""Labels (what the linter must report) and the scorer that compares a JSON report with them."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

DESTINATION_RULES = ("DST001", "DST002", "DST003", "DST004", "DLQ001", "DLQ002", "DLQ003", "DLQ004")


@dataclass(frozen=True)
class Label:
    """One expectation. rule None: the destination is granted and nothing may be reported for it.

    DST rules are keyed by (path, function, action) and must also agree on the line; IAM001 (a misspelt action in
    a policy of the execution role) is matched on (path, function, action) without a line.
    """

    rule: str | None
    path: str
    line: int | None
    function: str
    action: str | None  # None: the destination itself is unknown, so is its action
    case: str
    kind: str | None  # destination type
    when: str | None  # on_success | on_failure | dead_letter

    def key(self) -> tuple[str, str, str | None]:
        return (self.path, self.function, self.action.lower() if self.action else None)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_json(d: dict[str, Any]) -> Label:
        return Label(**d)


@dataclass
class Score:
    expected: int = 0  # labelled findings (rule not None)
    granted: int = 0  # labelled destinations that must stay silent
    true_positives: int = 0
    misses: list[str] = field(default_factory=list)  # labelled, not reported (or another rule, or another line)
    false_positives: list[str] = field(default_factory=list)  # reported, not labelled
    by_case: dict[str, Counter] = field(default_factory=dict)

    @property
    def perfect(self) -> bool:
        return not self.misses and not self.false_positives

    @property
    def precision(self) -> float:
        reported = self.true_positives + len(self.false_positives)
        return self.true_positives / reported if reported else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.expected if self.expected else 1.0

    def summary(self) -> str:
        return (
            f"precision={self.precision:.3f} recall={self.recall:.3f} expected={self.expected} "
            f"granted={self.granted} misses={len(self.misses)} false_positives={len(self.false_positives)}"
        )

    def table(self) -> str:
        rows = [f"{'case':<22} {'n':>5} {'ok':>5} {'wrong':>5}"]
        for case in sorted(self.by_case):
            c = self.by_case[case]
            rows.append(f"{case:<22} {c['n']:>5} {c['ok']:>5} {c['n'] - c['ok']:>5}")
        return "\n".join(rows)

    def report(self, show: int = 20) -> str:
        parts = [self.table()]
        for title, items in (("missed", self.misses), ("false positives", self.false_positives)):
            if items:
                parts.append(f"{title} ({len(items)}):")
                parts += [f"  {item}" for item in items[:show]]
        parts.append(self.summary())
        return "\n".join(parts)


def score(labels: list[Label], report: dict[str, Any], labelled_paths: set[str]) -> Score:
    """Compare a `lint --format json` report with the labels.

    Every DST001-DST004 finding must be labelled (rule, path, line, function, action); so must every IAM001.
    Any finding of any rule in a file that is not a labelled project file (unrelated infrastructure, workflows,
    manifests) is a false positive, and so is a parse error.
    """
    result = Score()
    wanted: dict[tuple, Label] = {}
    silent: dict[tuple, Label] = {}
    for label in labels:
        key = (label.rule or "DST", *label.key())
        if label.rule is None:
            silent[label.key()] = label
            result.granted += 1
        else:
            assert key not in wanted, f"two labels for {key}"
            wanted[key] = label
            result.expected += 1
    found: set[tuple] = set()
    flagged: set[tuple] = set()  # (path, function, action) of reported findings that match no label
    for f in report.get("findings", []):
        rule, path, function, action = f["rule"], f["path"], f["function"], f.get("action")
        key = (rule, path, function, action.lower() if action else None)
        label = wanted.get(key)
        if label is not None and (label.line is None or label.line == f["line"]) and key not in found:
            found.add(key)
            result.true_positives += 1
        elif rule in DESTINATION_RULES or rule == "IAM001" or path not in labelled_paths:
            flagged.add(key[1:])
            granted = silent.get(key[1:])
            result.false_positives.append(
                f"{rule} {path}:{f['line']} {function} {action}"
                + (f" (labelled granted: {granted.case})" if granted else "")
            )
    for e in report.get("errors", []):
        result.false_positives.append(f"error {e.get('path')}:{e.get('line')} {e.get('message')}")
    for label in labels:
        counts = result.by_case.setdefault(label.case, Counter())
        counts["n"] += 1
        if label.rule is None:
            counts["ok"] += label.key() not in flagged
        elif (label.rule, *label.key()) in found:
            counts["ok"] += 1
        else:
            result.misses.append(
                f"{label.rule} {label.path}:{label.line} {label.function} {label.action} [{label.case}]"
            )
    return result

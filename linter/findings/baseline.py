"""Baselines: record today's findings, then report only new ones, how many the baseline hid, and the entries
that no longer match anything (fixed, or changed so that they no longer match: the baseline should shrink).

Entries are matched by fingerprint (rule, file, function, destination and action; never the line). Each entry
also carries what a reviewer needs to read it: rule, path, function, destination, action and message. Files
written by earlier versions (a bare ``fingerprints`` list) are still read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from infra_policy_linter import TOOL_NAME, __version__
from infra_policy_linter.findings.finding import Finding


class BaselineError(ValueError):
    pass


@dataclass(frozen=True)
class Entry:
    fingerprint: str
    rule: str = ""
    path: str = ""
    function: str = ""
    message: str = ""


@dataclass
class Applied:
    findings: list[Finding]  # what the baseline does not cover
    hidden: int  # findings it covered
    stale: list[Entry]  # entries about files this run read that matched no finding


def write_baseline(path: Path, findings: list[Finding]) -> None:
    entries: dict[str, dict[str, str | None]] = {}
    for f in sorted(findings, key=Finding.sort_key):
        entries.setdefault(
            f.fingerprint,
            {
                "fingerprint": f.fingerprint,
                "rule": f.rule,
                "path": f.location.path,
                "function": f.function,
                "destination": f.destination,
                "action": f.action,
                "message": f.message,
            },
        )
    doc = {"tool": TOOL_NAME, "version": __version__, "findings": list(entries.values())}
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read_baseline(path: Path) -> list[Entry]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise BaselineError(f"{path}: not a baseline file (invalid JSON: {exc})") from exc
    if isinstance(doc, dict) and isinstance(doc.get("findings"), list):
        entries = []
        for i, item in enumerate(doc["findings"]):
            if not isinstance(item, dict) or not isinstance(item.get("fingerprint"), str):
                raise BaselineError(f"{path}: findings[{i}] has no 'fingerprint'")
            entries.append(
                Entry(item["fingerprint"], *(str(item.get(k) or "") for k in ("rule", "path", "function", "message")))
            )
        return entries
    prints = doc.get("fingerprints") if isinstance(doc, dict) else None
    if not isinstance(prints, list) or not all(isinstance(p, str) for p in prints):
        raise BaselineError(f"{path}: not a baseline file (no 'findings' list)")
    return [Entry(p) for p in prints]


def apply_baseline(findings: list[Finding], entries: list[Entry], read: set[str] | None) -> Applied:
    """``read``: the files this run judged in full (None when it judged only part of them, as with pre-commit's
    changed files: then nothing is called stale)."""
    known = {e.fingerprint for e in entries}
    matched = {f.fingerprint for f in findings}
    kept = [f for f in findings if f.fingerprint not in known]
    # Entries from old baselines carry no path: whether they are about this run cannot be told.
    stale = [] if read is None else [e for e in entries if e.fingerprint not in matched and e.path in read]
    return Applied(kept, len(findings) - len(kept), stale)

"""Baselines: record today's findings by fingerprint, then report only new ones."""

from __future__ import annotations

import json
from pathlib import Path

from infra_policy_linter import TOOL_NAME, __version__
from infra_policy_linter.findings import Finding


class BaselineError(ValueError):
    pass


def write_baseline(path: Path, findings: list[Finding]) -> None:
    doc = {
        "tool": TOOL_NAME,
        "version": __version__,
        "fingerprints": sorted({f.fingerprint for f in findings}),
    }
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


def read_baseline(path: Path) -> set[str]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise BaselineError(f"{path}: not a baseline file (invalid JSON: {exc})") from exc
    prints = doc.get("fingerprints") if isinstance(doc, dict) else None
    if not isinstance(prints, list) or not all(isinstance(p, str) for p in prints):
        raise BaselineError(f"{path}: not a baseline file (no 'fingerprints' list)")
    return set(prints)


def new_findings(findings: list[Finding], known: set[str]) -> list[Finding]:
    return [f for f in findings if f.fingerprint not in known]

"""``per-file-ignores`` in the configuration, as ruff has it: rules not reported for the files a pattern matches."""

from __future__ import annotations

import os
from pathlib import Path

from pathspec import GitIgnoreSpec

from infra_policy_linter.findings.finding import Finding


def drop_ignored(
    findings: list[Finding], patterns: tuple[tuple[str, frozenset[str]], ...], base: Path, top: Path
) -> list[Finding]:
    """``findings`` (paths relative to ``top``) less those a pattern (relative to ``base``, the configuration
    file's directory) ignores for their rule."""
    if not patterns:
        return findings
    specs = [(GitIgnoreSpec.from_lines([pattern]), rules) for pattern, rules in patterns]

    def ignored(f: Finding) -> bool:
        rel = Path(os.path.relpath(top / f.location.path, base)).as_posix()
        if rel.startswith("../"):
            return False
        return any(f.rule in rules and spec.match_file(rel) for spec, rules in specs)

    return [f for f in findings if not ignored(f)]

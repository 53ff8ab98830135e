"""Paths as CI systems want them: relative to the repository root, not to where the linter ran.

Every output path, and so every fingerprint (a finding's fingerprint names its file), is relative to one root:
``--root`` when given, else the git work tree that holds the inputs, else the current directory when it holds them
all (as before), else the inputs' common parent directory. Running from a subdirectory of a repository therefore
gives the same report, baseline and code-scanning alerts (outside git, --root says where the root is).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from infra_policy_linter.findings.finding import Chain, Finding, Ref, Related
from infra_policy_linter.fix.writers import render
from infra_policy_linter.inputs.ignore import absolute, git_top
from infra_policy_linter.model.located import Location
from infra_policy_linter.run.engine import Report


def report_root(cwd: Path, root: Path | None, targets: list[Path] | None = None) -> Path:
    """``--root`` when given, else the git top level above the inputs, else the current directory when it holds
    every input, else their common parent directory."""
    if root is not None:
        return absolute(root)
    places = [absolute(cwd / t) for t in targets or [cwd]]
    places = [p if p.is_dir() else p.parent for p in places]
    common = Path(os.path.commonpath([str(p) for p in places]))
    top = git_top(common)
    if top is not None:
        return top
    here = absolute(cwd)
    return here if common.is_relative_to(here) else common


def rebaser(cwd: Path, root: Path) -> Callable[[str], str]:
    """Display paths (relative to cwd) -> POSIX paths relative to root; a path outside root stays absolute."""
    cwd, root = absolute(cwd), absolute(root)
    done: dict[str, str] = {}  # a report names the same few files thousands of times

    def rebase(path: str) -> str:
        if path not in done and cwd == root and not path.startswith(("/", "../")) and path != "..":
            done[path] = path  # display paths are already normal and relative to cwd, the root
        if path not in done:
            target = absolute(cwd / path)
            rel = Path(os.path.relpath(target, root)).as_posix()
            done[path] = target.as_posix() if rel.startswith("../") or rel == ".." else rel
        return done[path]

    return rebase


def _location(loc: Location, rebase: Callable[[str], str]) -> Location:
    return replace(loc, path=rebase(loc.path))


def _ref(r: Ref | None, rebase: Callable[[str], str]) -> Ref | None:
    return None if r is None or r.location is None else replace(r, location=_location(r.location, rebase))


def _chain(c: Chain | None, rebase: Callable[[str], str]) -> Chain | None:
    if c is None:
        return None
    return replace(
        c,
        function=_ref(c.function, rebase) or c.function,
        role=_ref(c.role, rebase) or c.role,
        policies=tuple(_ref(p, rebase) or p for p in c.policies),
        boundary=_ref(c.boundary, rebase) or c.boundary,
        deciding=tuple(_ref(d, rebase) or d for d in c.deciding),
    )


def _paths(f: Finding) -> list[str]:
    """Every path a finding names (its fix text names its grant's file)."""
    c = f.chain
    refs = [] if c is None else [c.function, c.role, c.boundary, *c.policies, *c.deciding]
    return [
        f.location.path,
        *(r.location.path for r in f.related),
        *f.evidence,
        *(r.location.path for r in refs if r is not None and r.location is not None),
        *([f.grant.path] if f.grant is not None else []),
    ]


def _finding(f: Finding, rebase: Callable[[str], str]) -> Finding:
    if all(rebase(p) == p for p in _paths(f)):
        return f  # run from the root, as is usual: nothing to rebuild
    grant, fix = f.grant, f.fix
    if grant is not None and fix is not None and fix == render(grant):  # "# in <file>" names the file too
        grant = replace(grant, path=rebase(grant.path))
        fix = render(grant)
    return replace(
        f,
        location=_location(f.location, rebase),
        related=tuple(Related(r.message, _location(r.location, rebase)) for r in f.related),
        evidence=frozenset(rebase(p) for p in f.evidence),
        chain=_chain(f.chain, rebase),
        grant=grant,
        fix=fix,
    )


def rebase_report(report: Report, rebase: Callable[[str], str]) -> Report:
    """The same report with every path relative to the root (sorted again: the order follows the paths)."""
    suppressed: list[Any] = [
        replace(
            s,
            finding=_finding(s.finding, rebase),
            suppression=replace(s.suppression, location=_location(s.suppression.location, rebase)),
        )
        for s in report.suppressed
    ]
    return replace(
        report,
        findings=sorted((_finding(f, rebase) for f in report.findings), key=Finding.sort_key),
        errors=sorted(
            (replace(e, path=rebase(e.path)) for e in report.errors),
            key=lambda e: (e.path, e.line or 0, e.column or 0, e.message),
        ),
        suppressed=sorted(suppressed, key=lambda s: s.finding.sort_key()),
        unrendered=[rebase(p) for p in report.unrendered],
        read=sorted(rebase(p) for p in report.read),
    )

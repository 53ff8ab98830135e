"""``lint --fix``: plan the edits, print or write them, lint again, and keep only what :func:`verify` accepts."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from infra_policy_linter.inputs.discovery import display_path

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _not_fixed(plan: Any) -> None:
    for finding, why in plan.skipped:
        click.echo(
            f"lint: not fixed: {finding.location.path}:{finding.location.line} {finding.rule} "
            f"{finding.function}: {why}",
            err=True,
        )


def _diff_exit(report: Any, plan: Any) -> int:
    """Like ruff's --diff: 1 when there is an edit to show or an error finding stays (an unfixable error must not
    read as green); 2 when inputs could not be read (the diff cannot cover them)."""
    if report.errors:
        return EXIT_ERROR
    fixed = {id(f) for found in plan.fixed.values() for f in found}
    left = any(f.level == "error" and id(f) not in fixed for f in report.findings)
    return EXIT_FINDINGS if plan.updated or left else EXIT_OK


def fix_run(
    report: Any, show_diff: bool, unsafe: bool, targets: list[Path], cwd: Path, config: Any, jobs: int | None
) -> Any:
    """Apply (or, with --diff, print) the fixes; returns the report to print: the one after the fixes."""
    from infra_policy_linter.fix.apply import plan_fixes, unified_diff, verify, write
    from infra_policy_linter.run.engine import run

    plan = plan_fixes(report.findings, cwd, {e.path for e in report.errors}, unsafe)
    _not_fixed(plan)
    if show_diff:
        sys.stdout.write(unified_diff(plan, cwd))
        for error in report.errors:
            where = f"{error.path}:{error.line}" if error.line else error.path
            click.echo(f"lint: error: {where}: {error.message}", err=True)
        sys.exit(_diff_exit(report, plan))
    if not plan.updated:
        return report
    write(plan)
    after = run(targets, cwd, config, None, jobs=jobs, cache_dir=None)
    reverted = verify(
        plan, (report.findings, {e.path for e in report.errors}), (after.findings, {e.path for e in after.errors}), cwd
    )
    for path, why, _ in reverted:
        click.echo(f"lint: fix reverted: {display_path(path, cwd)}: {why}", err=True)
    if reverted:
        after = run(targets, cwd, config, None, jobs=jobs, cache_dir=None)
    gone = {r for r, _, _ in reverted}
    kept = sorted(display_path(p, cwd) for p in plan.updated if p not in gone)
    if kept:
        count = sum(len(plan.fixed[p]) for p in plan.updated if p not in gone)
        click.echo(f"lint: fixed {count} finding{'s' if count != 1 else ''} in {', '.join(kept)}", err=True)
    return after

"""Command line: ``lint [PATHS]...``, ``lint rules``, ``lint explain RULE``."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

import click

from infra_policy_linter import TOOL_NAME, __version__
from infra_policy_linter.inputs.discovery import display_path

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class _DefaultToCheck(click.Group):
    """``lint PATH`` runs the check; ``lint rules`` and ``lint explain`` are subcommands (``lint ./rules`` lints)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h", "--version")):
            args = ["check", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_DefaultToCheck, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name=TOOL_NAME)
def main() -> None:
    """Check that every Lambda asynchronous-invocation destination is allowed by the function's execution role.

    Run `lint [PATHS]...` (default: the current directory). See `lint check --help` for options.
    """


def _use_color(stream: Any) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


LEVEL_RANK = {"note": 1, "warning": 2, "error": 3}


def _rule_ids(values: tuple[str, ...]) -> list[str]:
    return [v.strip().upper() for value in values for v in value.split(",") if v.strip()]


def _fail(message: str) -> None:
    click.echo(f"lint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def _configure(
    cwd: Path,
    config_file: Path | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str | None,
    exclude: tuple[str, ...],
    account_id: str | None,
    region: str | None,
    max_file_size: int | None,
    var_files: tuple[str, ...] = (),
    variables: tuple[str, ...] = (),
) -> Any:
    from dataclasses import replace

    from infra_policy_linter.config import (
        Config,
        ConfigError,
        check_account_id,
        check_region,
        find_config_file,
        load_config,
        parse_var_option,
    )
    from infra_policy_linter.rules import ALL_RULES

    known = {rule.id for rule in ALL_RULES}
    try:
        path = config_file or find_config_file(cwd)
        config = load_config(path, known) if path else Config()
        changes: dict[str, Any] = {}
        if select:
            changes["select"] = frozenset(_known_rules(select, known, "--select"))
        if ignore:
            changes["ignore"] = config.ignore | frozenset(_known_rules(ignore, known, "--ignore"))
        if fail_on:
            changes["fail_on"] = fail_on
        if account_id:
            changes["account_id"] = check_account_id(account_id, "--account-id")
        if region:
            changes["region"] = check_region(region, "--region")
        if max_file_size:
            changes["max_file_size"] = max_file_size
        # Repeatable options add to what the configuration file says.
        changes["exclude"] = config.exclude + tuple(exclude)
        changes["var_files"] = config.var_files + tuple(var_files)
        changes["variables"] = config.variables + tuple(parse_var_option(v) for v in variables)
        return replace(config, **changes)
    except ConfigError as exc:
        _fail(str(exc))
    return None


def _known_rules(values: tuple[str, ...], known: set[str], option: str) -> list[str]:
    from infra_policy_linter.config import ConfigError

    ids = _rule_ids(values)
    unknown = [r for r in ids if r not in known]
    if unknown:
        raise ConfigError(f"{option} names unknown rule {unknown[0]!r} (see `lint rules`)")
    return ids


@main.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "concise", "json", "sarif", "github", "gitlab"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to this file instead of standard output.",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Configuration file (default: the nearest .infra-policy-linter.toml or pyproject.toml).",
)
@click.option("--select", multiple=True, metavar="RULES", help="Only these rules (comma-separated).")
@click.option("--ignore", multiple=True, metavar="RULES", help="Skip these rules (comma-separated).")
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "note", "never"]),
    help="Lowest finding level that makes the exit code 1 (default: error).",
)
@click.option(
    "--exclude",
    multiple=True,
    metavar="PATTERN",
    help="Skip paths matching this gitignore-style pattern, relative to the current directory "
    "(repeatable; ** spans directories).",
)
@click.option("--account-id", metavar="ID", help="Account id to assume where ARNs leave it open.")
@click.option("--region", metavar="REGION", help="Region to assume where ARNs leave it open.")
@click.option(
    "--max-file-size",
    type=click.IntRange(min=1),
    metavar="BYTES",
    help="Skip (and report) files larger than this (default: 5 MB).",
)
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Report only findings not recorded in this baseline file.",
)
@click.option(
    "--write-baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Record the current findings in this baseline file.",
)
@click.option(
    "--var-file",
    "var_files",
    multiple=True,
    metavar="FILE",
    help="A Terraform variable file applied to every root module, after its own (repeatable).",
)
@click.option(
    "--var",
    "variables",
    multiple=True,
    metavar="NAME=VALUE",
    help="A Terraform variable value for every root module, applied last (repeatable).",
)
@click.option(
    "--root",
    "root",
    type=click.Path(file_okay=False, path_type=Path),
    help="Paths in SARIF and GitLab reports are relative to this (default: the git top level, else the "
    "current directory).",
)
@click.option(
    "--fix",
    is_flag=True,
    help="Write the missing grants (a new role policy next to the role: Terraform, YAML templates), "
    "lint again, and keep only the edits that cleared their findings.",
)
@click.option("--diff", "show_diff", is_flag=True, help="With --fix: print the edits as a unified diff instead.")
@click.option(
    "--allow-empty",
    is_flag=True,
    help="Exit 0 when the paths hold no Terraform or CloudFormation file (default: exit 2).",
)
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Parallel workers (default: all cores).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the result cache.")
@click.option(
    "--all-units",
    is_flag=True,
    help="Also read units with nothing Lambda in them, which cannot hold a finding (to compare; slower).",
)
@click.option("--debug", is_flag=True, help="Show Python tracebacks for internal errors.")
def check(
    paths: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    config_file: Path | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str | None,
    exclude: tuple[str, ...],
    account_id: str | None,
    region: str | None,
    max_file_size: int | None,
    baseline_file: Path | None,
    write_baseline: Path | None,
    var_files: tuple[str, ...],
    variables: tuple[str, ...],
    root: Path | None,
    fix: bool,
    show_diff: bool,
    allow_empty: bool,
    jobs: int | None,
    no_cache: bool,
    all_units: bool,
    debug: bool,
) -> None:
    """Lint Terraform and CloudFormation under PATHS (files or directories; default: current directory)."""
    if debug:
        os.environ["INFRA_POLICY_LINTER_DEBUG"] = "1"  # workers re-raise instead of reporting an internal error
    cwd = Path.cwd()
    config = _configure(
        cwd, config_file, select, ignore, fail_on, exclude, account_id, region, max_file_size, var_files, variables
    )
    if all_units:
        config = replace(config, all_units=True)
    targets = list(paths) or [cwd]
    missing = [p for p in targets if not p.exists() and not p.is_symlink()]
    if missing:
        _fail(f"{missing[0]}: no such file or directory")
    if show_diff and not fix:
        _fail("--diff only goes with --fix")
    known = _read_baseline(baseline_file)
    report = _lint(targets, cwd, config, jobs, no_cache, debug)
    if fix:
        report = _fix(report, show_diff, targets, cwd, config, jobs)
    if write_baseline:
        from infra_policy_linter.findings.baseline import write_baseline as save_baseline

        save_baseline(write_baseline, report.findings)
        click.echo(f"lint: wrote {len(report.findings)} finding(s) to {write_baseline}", err=True)
    if baseline_file is not None and known is not None:
        _hide_baselined(report, known, baseline_file, config)
    _write_report(report, fmt, output, cwd, root)
    sys.exit(_exit_code(report, config, paths, allow_empty, bool(write_baseline)))


def _read_baseline(baseline_file: Path | None) -> Any:
    from infra_policy_linter.findings.baseline import BaselineError, read_baseline

    if not baseline_file:
        return None
    try:
        return read_baseline(baseline_file)
    except BaselineError as exc:
        _fail(str(exc))
    return None


def _lint(targets: list[Path], cwd: Path, config: Any, jobs: int | None, no_cache: bool, debug: bool) -> Any:
    from infra_policy_linter.run.cache import default_cache_dir
    from infra_policy_linter.run.engine import run

    progress, finish = _progress_bar()
    try:
        report = run(targets, cwd, config, progress, jobs=jobs, cache_dir=None if no_cache else default_cache_dir())
    except KeyboardInterrupt:
        finish()
        click.echo("lint: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # an internal error must not look like a clean run
        finish()
        if debug:
            raise
        click.echo(f"lint: internal error: {type(exc).__name__}: {exc} (run with --debug for details)", err=True)
        sys.exit(EXIT_ERROR)
    finish()
    return report


def _hide_baselined(report: Any, known: Any, baseline_file: Path, config: Any) -> None:
    from infra_policy_linter.findings.baseline import apply_baseline

    entries = [e for e in known if not e.rule or config.rule_enabled(e.rule)]
    applied = apply_baseline(report.findings, entries, None if report.focused else set(report.read))
    report.findings = applied.findings
    _baseline_notes(baseline_file, applied)


def _render(report: Any, fmt: str, stream: TextIO, to_terminal: bool, cwd: Path, root: Path | None) -> None:
    from infra_policy_linter.report import concise, github, gitlab, json_report, sarif, text
    from infra_policy_linter.report.paths import rebaser, report_root

    if fmt == "text":
        text.render(report, stream, to_terminal and _use_color(stream), cwd)
    elif fmt in ("sarif", "gitlab"):
        renderer = sarif.render if fmt == "sarif" else gitlab.render
        stream.write(renderer(report, rebaser(cwd, report_root(cwd, root))))
    else:
        plain = {"json": json_report.render, "concise": concise.render, "github": github.render}
        stream.write(plain[fmt](report))


def _write_report(report: Any, fmt: str, output: Path | None, cwd: Path, root: Path | None) -> None:
    if output is None:
        _render(report, fmt, sys.stdout, True, cwd, root)
        return
    try:
        with open(output, "w", encoding="utf-8", newline="\n") as stream:
            _render(report, fmt, stream, False, cwd, root)
    except OSError as exc:
        _fail(f"{output}: cannot write: {exc.strerror or exc}")


def _exit_code(report: Any, config: Any, paths: tuple[Path, ...], allow_empty: bool, wrote_baseline: bool) -> int:
    if report.errors:
        return EXIT_ERROR
    if not report.files and not report.unrendered and not allow_empty:
        # A wrong working directory in CI must not be a silent green.
        shown = " ".join(str(p) for p in paths) or "."
        click.echo(
            f"lint: error: no Terraform or CloudFormation file found in {shown} (pass --allow-empty if "
            f"that is expected)",
            err=True,
        )
        return EXIT_ERROR
    if wrote_baseline:
        return EXIT_OK
    threshold = LEVEL_RANK.get(config.fail_on)
    if threshold is not None and any(LEVEL_RANK[f.level] >= threshold for f in report.findings):
        return EXIT_FINDINGS
    return EXIT_OK


def _fix(report: Any, show_diff: bool, targets: list[Path], cwd: Path, config: Any, jobs: int | None) -> Any:
    """Apply (or, with --diff, print) the fixes; returns the report to print: the one after the fixes."""
    from infra_policy_linter.fix.apply import plan_fixes, revert_uncleared, unified_diff, write
    from infra_policy_linter.run.engine import run

    plan = plan_fixes(report.findings, cwd, {e.path for e in report.errors})
    for finding, why in plan.skipped:
        click.echo(
            f"lint: not fixed: {finding.location.path}:{finding.location.line} {finding.rule} "
            f"{finding.function}: {why}",
            err=True,
        )
    if show_diff:
        # Like ruff's --diff: the diff of what --fix would write, exit 1 when there is one. Inputs that could not
        # be read are still an error (exit 2): the diff cannot cover them.
        sys.stdout.write(unified_diff(plan, cwd))
        for error in report.errors:
            where = f"{error.path}:{error.line}" if error.line else error.path
            click.echo(f"lint: error: {where}: {error.message}", err=True)
        sys.exit(EXIT_ERROR if report.errors else EXIT_FINDINGS if plan.updated else EXIT_OK)
    if not plan.updated:
        return report
    write(plan)
    after = run(targets, cwd, config, None, jobs=jobs, cache_dir=None)
    reverted = revert_uncleared(plan, after.findings, {e.path for e in after.errors}, cwd)
    for path, left in reverted:
        click.echo(
            f"lint: fix reverted: {display_path(path, cwd)}: it did not clear "
            f"{', '.join(sorted({f.rule + ' ' + f.function for f in left}))}",
            err=True,
        )
    if reverted:
        after = run(targets, cwd, config, None, jobs=jobs, cache_dir=None)
    kept = sorted(display_path(p, cwd) for p in plan.updated if p not in {r for r, _ in reverted})
    if kept:
        count = sum(len(plan.fixed[p]) for p in plan.updated if p not in {r for r, _ in reverted})
        click.echo(f"lint: fixed {count} finding{'s' if count != 1 else ''} in {', '.join(kept)}", err=True)
    return after


def _baseline_notes(path: Path, applied: Any) -> None:
    """On stderr, so that machine-readable output stays as it is."""
    if applied.hidden:
        click.echo(f"lint: {path} hid {applied.hidden} known finding{'s' if applied.hidden != 1 else ''}", err=True)
    if applied.stale:
        n = len(applied.stale)
        click.echo(
            f"lint: {n} {path} entr{'ies' if n != 1 else 'y'} no longer match{'' if n != 1 else 'es'} "
            f"(fixed or changed: remove {'them' if n != 1 else 'it'}, or rewrite the file with "
            f"--write-baseline):",
            err=True,
        )
        for e in applied.stale:
            click.echo(f"  {e.path} {e.rule} {e.function}: {e.message}", err=True)


def _progress_bar() -> tuple[Any, Any]:
    """A transient progress bar on stderr for long runs, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from rich.console import Console
    from rich.progress import Progress

    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if total < 200:
            return
        if "bar" not in state:
            bar = Progress(console=Console(stderr=True), transient=True)
            bar.start()
            state["bar"], state["task"] = bar, bar.add_task("Linting", total=total)
        state["bar"].update(state["task"], completed=done)

    def finish() -> None:
        if "bar" in state:
            state["bar"].stop()

    return update, finish


@main.command("rules")
@click.option("--markdown", is_flag=True, help="Print the full rule documentation as Markdown (docs/rules.md).")
def list_rules(markdown: bool) -> None:
    """List every rule with its id, level and title."""
    from infra_policy_linter.rules import ALL_RULES, rules_markdown

    if markdown:
        click.echo(rules_markdown(), nl=False)
        return
    for rule in ALL_RULES:
        click.echo(f"{rule.id}  {rule.level:<7}  {rule.name:<46}  {rule.title}")


@main.command("explain")
@click.argument("rule_id")
def explain(rule_id: str) -> None:
    """Print a rule's full documentation."""
    from infra_policy_linter.rules import rule_by_id

    rule = rule_by_id(rule_id)
    if rule is None:
        click.echo(f"lint: error: unknown rule {rule_id!r} (see `lint rules`)", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(rule.documentation())

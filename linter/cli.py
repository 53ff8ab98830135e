"""Command line: ``lint [PATHS]...``, ``lint rules``, ``lint explain RULE``."""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from infra_policy_linter import TOOL_NAME, __version__
from infra_policy_linter.cli_output import FORMATS, OutputError, outputs, write_all

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


def entry() -> None:
    """The ``lint`` console script: :func:`main`, then an exit that skips the interpreter's teardown.

    A normal exit frees every object and module of the run one by one: after a cold run of 200 projects that took
    0.25-0.3 s, a tenth of the run, for memory the system takes back anyway (mypy exits the same way). Everything
    the run writes is closed by then and its worker pools are joined; the standard streams are flushed here. An
    exception other than an exit keeps Python's own handling (its traceback).
    """
    try:
        main()
    except SystemExit as exc:
        if exc.code is not None and not isinstance(exc.code, int):
            raise  # a message to print: Python's way
        code = exc.code or 0
    else:
        code = 0
    for stream in (sys.stdout, sys.stderr):  # (None when the process was started with it closed)
        try:
            if stream is not None:
                stream.flush()
        except OSError as exc:
            if exc.errno == errno.EPIPE:  # a closed pipe (`lint | head`): what was written is what the reader took
                code = code or EXIT_ERROR
            elif code != EXIT_ERROR:  # (when it is, a report that could not be written has been reported)
                code = EXIT_ERROR
                with contextlib.suppress(Exception):
                    os.write(2, f"lint: error: cannot write the report: {exc.strerror or exc}\n".encode())
    os._exit(code)


LEVEL_RANK = {"note": 1, "warning": 2, "error": 3}


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

    try:
        path = config_file or find_config_file(cwd)
        # the rules are imported only to check names given to them (a plain run loads cached results without them)
        known = _rule_ids() if path or select or ignore else set()
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


def _rule_ids() -> set[str]:
    from infra_policy_linter.rules import ALL_RULES

    return {rule.id for rule in ALL_RULES}


def _known_rules(values: tuple[str, ...], known: set[str], option: str) -> list[str]:
    """Ids, prefixes (``DST``, ``ESM00``) and rule names (``missing-grant``)."""
    from infra_policy_linter.config import ConfigError, expand_rules
    from infra_policy_linter.rules import ALL_RULES

    slugs = {rule.name: rule.id for rule in ALL_RULES}
    ids = []
    for name in (part.strip() for value in values for part in value.split(",") if part.strip()):
        found = expand_rules(name, known, slugs)
        if not found:
            raise ConfigError(f"{option} names unknown rule {name!r} (see `lint rules`)")
        ids += found
    return ids


@main.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
    help="Output format (default: text).",
)
@click.option(
    "--output",
    "-o",
    "output_values",
    multiple=True,
    metavar="FORMAT[=PATH]",
    help="Also write a report in FORMAT to PATH (standard output without one); repeatable, so one run can write "
    "a log and SARIF. A PATH alone is where the --format report goes.",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Configuration file (default: the nearest .infra-policy-linter.toml or pyproject.toml).",
)
@click.option(
    "--select",
    multiple=True,
    metavar="RULES",
    help="Only these rules (comma-separated ids, prefixes such as DST, names).",
)
@click.option(
    "--ignore",
    multiple=True,
    metavar="RULES",
    help="Skip these rules (comma-separated ids, prefixes such as DST, names).",
)
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
    help="Every path in the output (and so every fingerprint and baseline entry) is relative to this (default: "
    "the git work tree holding the inputs, else the current directory if it holds them, else their common "
    "parent directory).",
)
@click.option(
    "--fix",
    is_flag=True,
    help="Write the missing grants (a new role policy next to the role: Terraform, YAML templates), "
    "lint again, and keep only the edits that cleared their findings.",
)
@click.option("--diff", "show_diff", is_flag=True, help="With --fix: print the edits as a unified diff instead.")
@click.option(
    "--unsafe-fixes",
    is_flag=True,
    help="With --fix: also write the fixes that rewrite lines a file already has (a single SAM Policies value "
    "made a list); still kept only when nothing the file had is lost.",
)
@click.option(
    "--allow-empty",
    is_flag=True,
    help="Exit 0 when the paths hold no file the linter reads (default: exit 2).",
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
    fmt: str | None,
    output_values: tuple[str, ...],
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
    unsafe_fixes: bool,
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
    try:
        chosen = outputs(fmt, output_values)
    except OutputError as exc:
        _fail(str(exc))
    # JSON is the only report that shows each fix's applicability, which costs a planned edit per template
    config = replace(
        config, all_units=all_units or config.all_units, fix_applicability=any(name == "json" for name, _ in chosen)
    )
    targets = list(paths) or [cwd]
    missing = [p for p in targets if not p.exists() and not p.is_symlink()]
    targets = [p for p in targets if p not in missing]
    if show_diff and not fix:
        _fail("--diff only goes with --fix")
    if unsafe_fixes and not fix:
        _fail("--unsafe-fixes only goes with --fix")
    known = _read_baseline(baseline_file)
    report = _lint(targets, cwd, config, jobs, no_cache, debug) if targets else _empty_report()
    # A path that is not there is an input error like an unreadable file: the run goes on, the reports (JSON and
    # SARIF that an upload step expects) are written and list it, and the exit code is 2.
    from infra_policy_linter.inputs.discovery import display_path
    from infra_policy_linter.model.located import ParseError

    absent = [ParseError(display_path(p, cwd), None, None, "no such file or directory") for p in missing]
    report.errors += absent
    if fix:
        from infra_policy_linter.cli_fix import fix_run

        report = fix_run(report, show_diff, unsafe_fixes, targets, cwd, config, jobs)
        report.errors += [e for e in absent if e not in report.errors]
    from infra_policy_linter.report.paths import rebase_report, rebaser, report_root

    top = report_root(cwd, root, targets)
    report = rebase_report(report, rebaser(cwd, top))
    report.findings = _per_path(report.findings, config, config_file, cwd, top)
    if write_baseline:
        from infra_policy_linter.findings.baseline import write_baseline as save_baseline

        save_baseline(write_baseline, report.findings)
        click.echo(f"lint: wrote {len(report.findings)} finding(s) to {write_baseline}", err=True)
    if baseline_file is not None and known is not None:
        _hide_baselined(report, known, baseline_file, config)
    problem = write_all(report, chosen, top, None if no_cache else _cache_dir())
    if problem:
        _fail(problem)
    sys.exit(_exit_code(report, config, paths, allow_empty, bool(write_baseline)))


def _per_path(findings: list[Any], config: Any, config_file: Path | None, cwd: Path, top: Path) -> list[Any]:
    if not config.per_path_ignores:
        return findings  # (no import of pathspec)
    from infra_policy_linter.config import find_config_file
    from infra_policy_linter.findings.per_path import drop_ignored
    from infra_policy_linter.inputs.ignore import absolute

    found = config_file or find_config_file(cwd)
    base = absolute(found).parent if found else absolute(cwd)
    return list(drop_ignored(findings, config.per_path_ignores, base, top))


def _empty_report() -> Any:
    from infra_policy_linter.run.engine import Report

    return Report()


def _read_baseline(baseline_file: Path | None) -> Any:
    if not baseline_file:
        return None
    from infra_policy_linter.findings.baseline import BaselineError, read_baseline

    try:
        return read_baseline(baseline_file)
    except BaselineError as exc:
        _fail(str(exc))
    return None


def _fewer_collections() -> None:
    """Parsing and resolving allocate millions of small objects that live until their unit is done, and Python's
    cycle collector, run every 700 allocations by default, walked them over and over: 10-15% of a cold run's CPU
    for nothing (the linter makes few cycles). Collections are made rarer, not turned off; memory stayed the same
    (200-project corpus, --jobs 1: 129 MB peak either way). Forked workers inherit the setting."""
    import gc

    gc.set_threshold(100_000, 50, 100)


def _cache_dir() -> Path:
    from infra_policy_linter.run.cache import default_cache_dir

    return default_cache_dir()


def _lint(targets: list[Path], cwd: Path, config: Any, jobs: int | None, no_cache: bool, debug: bool) -> Any:
    from infra_policy_linter.run.engine import run

    _fewer_collections()
    progress, finish = _progress_bar()
    try:
        report = run(targets, cwd, config, progress, jobs=jobs, cache_dir=None if no_cache else _cache_dir())
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


def _exit_code(report: Any, config: Any, paths: tuple[Path, ...], allow_empty: bool, wrote_baseline: bool) -> int:
    if report.errors:
        return EXIT_ERROR
    if not report.files and not report.unrendered and not allow_empty:
        # A wrong working directory in CI must not be a silent green.
        click.echo(f"lint: error: {_nothing_read(paths, config)} (pass --allow-empty if that is expected)", err=True)
        return EXIT_ERROR
    if wrote_baseline:
        return EXIT_OK
    threshold = LEVEL_RANK.get(config.fail_on)
    if threshold is not None and any(LEVEL_RANK[f.level] >= threshold for f in report.findings):
        return EXIT_FINDINGS
    return EXIT_OK


def _nothing_read(paths: tuple[Path, ...], config: Any) -> str:
    """What the paths hold instead of anything the linter reads: a CDK app or a Pulumi project, by name."""
    from infra_policy_linter.inputs.discovery import unsupported_formats

    shown = " ".join(str(p) for p in paths) or "."
    found = unsupported_formats(list(paths) or [Path(".")], Path.cwd(), config.exclude)
    if not found:
        return f"no Terraform, CloudFormation, Serverless Framework or Terragrunt file found in {shown}"
    named = "; ".join(f"{path} is {what}" for path, what in found[:5])
    more = f" and {len(found) - 5} more" if len(found) > 5 else ""
    return f"nothing in {shown} is a format the linter reads: {named}{more}"


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
    if sys.stderr is None or not sys.stderr.isatty():  # (None: started with standard error closed)
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
@click.argument("rules", nargs=-1, required=True)
def explain(rules: tuple[str, ...]) -> None:
    """Print the full documentation of each RULE: an id (DST001) or a name as `lint rules` prints it."""
    from infra_policy_linter.rules import ALL_RULES

    by_key = {rule.id: rule for rule in ALL_RULES} | {rule.name: rule for rule in ALL_RULES}
    unknown = [r for r in rules if r.upper() not in by_key and r.lower() not in by_key]
    if unknown:
        click.echo(f"lint: error: unknown rule {unknown[0]!r} (see `lint rules`)", err=True)
        sys.exit(EXIT_ERROR)
    docs = [(by_key.get(r.upper()) or by_key[r.lower()]).documentation() for r in rules]
    click.echo("\n".join(docs), nl=False)

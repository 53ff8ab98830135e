"""Command line: ``lint [PATHS]...``, ``lint rules``, ``lint explain RULE``."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from linter import TOOL_NAME, __version__

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


@main.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write the report to this file instead of standard output.")
@click.option("--debug", is_flag=True, help="Show Python tracebacks for internal errors.")
def check(paths: tuple[Path, ...], fmt: str, output: Path | None, debug: bool) -> None:
    """Lint Terraform and CloudFormation under PATHS (files or directories; default: current directory)."""
    from linter.engine import run

    cwd = Path.cwd()
    targets = list(paths) or [cwd]
    missing = [p for p in targets if not p.exists() and not p.is_symlink()]
    if missing:
        for p in missing:
            click.echo(f"lint: error: {p}: no such file or directory", err=True)
        sys.exit(EXIT_ERROR)
    progress, finish = _progress_bar()
    try:
        report = run(targets, cwd, progress)
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

    stream = open(output, "w", encoding="utf-8", newline="\n") if output else sys.stdout
    try:
        if fmt == "json":
            from linter.reporters.json_report import render as render_json
            stream.write(render_json(report))
        else:
            from linter.reporters.text import render as render_text
            render_text(report, stream, _use_color(stream) and output is None, cwd)
    finally:
        if output:
            stream.close()
    if report.errors:
        sys.exit(EXIT_ERROR)
    if any(f.level == "error" for f in report.findings):
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_OK)


def _progress_bar() -> tuple[Any, Any]:
    """A transient progress bar on stderr for long runs, only when stderr is a terminal."""
    if not sys.stderr.isatty() or os.environ.get("NO_COLOR") is not None and not sys.stderr.isatty():
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
def list_rules() -> None:
    """List every rule with its id, level and title."""
    from rules import ALL_RULES

    for rule in ALL_RULES:
        click.echo(f"{rule.id}  {rule.level:<7}  {rule.name:<46}  {rule.title}")


@main.command("explain")
@click.argument("rule_id")
def explain(rule_id: str) -> None:
    """Print a rule's full documentation."""
    from rules import rule_by_id

    rule = rule_by_id(rule_id)
    if rule is None:
        click.echo(f"lint: error: unknown rule {rule_id!r} (see `lint rules`)", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(rule.documentation())

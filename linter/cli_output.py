"""Where the report goes: one or more formats per run (``--output FORMAT[=PATH]``, repeatable), each to a file or
standard output, colour as NO_COLOR and FORCE_COLOR say."""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

FORMATS = ("text", "concise", "json", "sarif", "github", "gitlab", "junit")


class OutputError(ValueError):
    pass


def use_color(stream: Any) -> bool:
    """NO_COLOR (any value) turns colour off, FORCE_COLOR (any value but 0) on; else only on a terminal."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "0") not in ("", "0"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


def outputs(fmt: str | None, values: tuple[str, ...]) -> list[tuple[str, Path | None]]:
    """(format, file or None for standard output) for each report to write.

    ``--output json=report.json`` and ``--output sarif`` (standard output) name a format; a value that is not a
    format name is a file for ``--format`` (the older single-report form, ``-o report.json``). The ``--format``
    report (text by default) is written to standard output as well, unless another report goes there."""
    chosen: list[tuple[str, Path | None]] = []
    legacy: Path | None = None
    for value in values:
        name, sep, path = value.partition("=")
        if name in FORMATS and (sep == "" or path):
            chosen.append((name, Path(path) if path else None))
        elif legacy is None and not sep:
            legacy = Path(value)
        else:
            raise OutputError(f"--output {value!r}: expected FORMAT[=PATH] with FORMAT one of {', '.join(FORMATS)}")
    # The --format report (text by default) goes to standard output unless another report is written there.
    if fmt is not None or legacy is not None or all(path is not None for _, path in chosen):
        chosen.insert(0, (fmt or "text", legacy))
    if sum(1 for _, path in chosen if path is None) > 1:
        raise OutputError("only one report can go to standard output: give the others a file (FORMAT=PATH)")
    return chosen


def render(report: Any, fmt: str, stream: TextIO, to_terminal: bool, top: Path, cache_dir: Path | None = None) -> None:
    """``report``'s paths are relative to ``top`` (the repository root), where the text format reads code frames;
    ``cache_dir``: where the SARIF rule descriptors may be kept (None: made from the rules)."""
    if fmt == "text":
        from infra_policy_linter.report import text

        text.render(report, stream, to_terminal and use_color(stream), top)
        return
    if fmt == "sarif":
        from infra_policy_linter.report import sarif

        stream.write(sarif.render(report, rules=sarif.stored_descriptors(cache_dir)))
        return
    stream.write(_plain(fmt)(report))


def _plain(fmt: str) -> Callable[[Any], str]:
    """The renderer of a format; only its module is imported."""
    if fmt == "json":
        from infra_policy_linter.report.json_report import render as json_render

        return json_render
    if fmt == "concise":
        from infra_policy_linter.report.concise import render as concise_render

        return concise_render
    if fmt == "github":
        from infra_policy_linter.report.github import render as github_render

        return github_render
    if fmt == "gitlab":
        from infra_policy_linter.report.gitlab import render as gitlab_render

        return gitlab_render
    if fmt != "junit":
        raise ValueError(f"unknown report format {fmt!r}")  # outputs() lets only FORMATS through
    from infra_policy_linter.report.junit import render as junit_render

    return junit_render


def write_all(
    report: Any, chosen: list[tuple[str, Path | None]], top: Path, cache_dir: Path | None = None
) -> str | None:
    """Every report; the first file that cannot be written, with why (the others are still written)."""
    problem = None
    for fmt, path in chosen:
        if path is None:
            try:
                render(report, fmt, sys.stdout, True, top, cache_dir)
            except OSError as exc:
                if exc.errno == errno.EPIPE:
                    raise  # `lint | head`: the reader took what it wanted (click ends the run quietly)
                problem = problem or f"standard output: cannot write: {exc.strerror or exc}"
            continue
        try:
            with open(path, "w", encoding="utf-8", newline="\n") as stream:
                render(report, fmt, stream, False, top, cache_dir)
        except OSError as exc:
            problem = problem or f"{path}: cannot write: {exc.strerror or exc}"
    return problem

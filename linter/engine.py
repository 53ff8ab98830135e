"""The pipeline: discovery -> parsers -> builders (model) -> rules -> sorted findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from linter.discovery import discover, display_path
from linter.findings import Finding
from linter.model import ParseError, Unit


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)
    units: int = 0
    files: int = 0


def load_units(paths: list[Path], cwd: Path, progress: Callable[[int, int], None] | None = None
               ) -> tuple[list[Unit], list[ParseError], int]:
    from linter.build.terraform import build_module
    from linter.parsers.terraform import TfFile, parse_hcl, parse_tfvars_json

    plan = discover(paths)
    errors = [ParseError(display_path(p, cwd), None, None, msg) for p, msg in plan.problems]
    units: list[Unit] = []
    total = sum(len(v) for v in plan.modules.values()) + len(plan.templates)
    done = 0
    for directory in sorted(plan.modules):
        files: list[TfFile] = []
        broken: list[str] = []
        for path in plan.modules[directory]:
            parsed = parse_hcl(path, display_path(path, cwd))
            done += 1
            if progress:
                progress(done, total)
            if isinstance(parsed, ParseError):
                errors.append(parsed)
                broken.append(parsed.path)
            else:
                files.append(parsed)
        tfvars: list[TfFile] = []
        for path in plan.tfvars.get(directory, []):
            shown = display_path(path, cwd)
            parsed = parse_tfvars_json(path, shown) if path.name.endswith(".json") else parse_hcl(path, shown)
            if isinstance(parsed, ParseError):
                errors.append(parsed)
                broken.append(parsed.path)
            else:
                tfvars.append(parsed)
        if files:
            unit = build_module(display_path(directory, cwd), files, tfvars)
            unit.incomplete = [f"{b} could not be parsed" for b in broken]
            units.append(unit)
    if plan.templates:
        from linter.build.cloudformation import build_template
        from linter.parsers.cloudformation import parse_template

        for path in plan.templates:
            parsed_t = parse_template(path, display_path(path, cwd))
            done += 1
            if progress:
                progress(done, total)
            if parsed_t is None:
                continue
            if isinstance(parsed_t, ParseError):
                errors.append(parsed_t)
                continue
            units.append(build_template(parsed_t))
    return units, errors, total


def check_units(units: list[Unit]) -> list[Finding]:
    from rules import ALL_RULES

    findings: list[Finding] = []
    for unit in units:
        shared: dict[str, Any] = {}
        for rule in ALL_RULES:
            findings.extend(rule.check(unit, shared))
    return sorted(findings, key=Finding.sort_key)


def run(paths: list[Path], cwd: Path | None = None, progress: Callable[[int, int], None] | None = None) -> Report:
    cwd = cwd or Path.cwd()
    units, errors, _ = load_units(paths, cwd, progress)
    findings = check_units(units)
    errors.sort(key=lambda e: (e.path, e.line or 0, e.column or 0, e.message))
    # Files that are infrastructure: read into a unit, or meant to be and broken. Skipped YAML/JSON do not count.
    files = {f for u in units for f in u.files} | {e.path for e in errors}
    return Report(findings, errors, len(units), len(files))

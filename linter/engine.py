"""The pipeline: discovery -> parsers -> builders (model) -> rules -> suppressions -> sorted findings."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, Callable

from linter.config import Config
from linter.discovery import Plan, discover, display_path
from linter.findings import Finding
from linter.model import ParseError, Unit
from linter.suppress import Suppressed, apply_suppressions
from linter.values import Environment

Progress = Callable[[int, int], None]


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)
    units: int = 0
    files: int = 0
    suppressed: list[Suppressed] = field(default_factory=list)


def _too_large(path: Path, shown: str, limit: int) -> ParseError | None:
    try:
        size = path.stat().st_size
    except OSError:
        return None  # the parser reports unreadable files itself
    if size <= limit:
        return None
    return ParseError(shown, None, None, f"skipped: {size:,} bytes is over the {limit:,}-byte limit "
                                          f"(max-file-size)")


def _template_too_large(path: Path, shown: str, limit: int) -> ParseError | None:
    """Over the limit and looks like a template: an error. Big JSON that is not CloudFormation: skipped silently."""
    error = _too_large(path, shown, limit)
    if error is None:
        return None
    from linter.parsers.cloudformation import looks_like_template

    try:
        with path.open("rb") as fh:
            head = fh.read(65536).decode("utf-8", "replace")
    except OSError:
        return error
    return error if looks_like_template(head) else None


def load_terraform(plan: Plan, cwd: Path, config: Config, env: Environment, progress: Callable[[], None]
                   ) -> tuple[list[Unit], list[ParseError]]:
    from linter.build.terraform import build_module
    from linter.parsers.terraform import TfFile, parse_hcl, parse_tfvars_json

    units: list[Unit] = []
    errors: list[ParseError] = []
    for directory in sorted(plan.modules):
        files: list[TfFile] = []
        broken: list[str] = []
        for path in plan.modules[directory]:
            shown = display_path(path, cwd)
            parsed = _too_large(path, shown, config.max_file_size) or parse_hcl(path, shown)
            progress()
            if isinstance(parsed, ParseError):
                errors.append(parsed)
                broken.append(parsed.path)
            else:
                files.append(parsed)
        tfvars: list[TfFile] = []
        for path in plan.tfvars.get(directory, []):
            shown = display_path(path, cwd)
            parsed = _too_large(path, shown, config.max_file_size) or (
                parse_tfvars_json(path, shown) if path.name.endswith(".json") else parse_hcl(path, shown))
            if isinstance(parsed, ParseError):
                errors.append(parsed)
                broken.append(parsed.path)
            else:
                tfvars.append(parsed)
        if files:
            unit = build_module(display_path(directory, cwd), files, tfvars, env)
            unit.incomplete = [f"{b} could not be parsed" for b in broken]
            units.append(unit)
    return units, errors


def load_templates(plan: Plan, cwd: Path, config: Config, env: Environment, progress: Callable[[], None]
                   ) -> tuple[list[Unit], list[ParseError]]:
    units: list[Unit] = []
    errors: list[ParseError] = []
    if not plan.templates:
        return units, errors
    from linter.build.cloudformation import build_template
    from linter.parsers.cloudformation import parse_template

    for path in plan.templates:
        shown = display_path(path, cwd)
        too_large = _template_too_large(path, shown, config.max_file_size)
        parsed = too_large or (None if _too_large(path, shown, config.max_file_size) else parse_template(path, shown))
        progress()
        if parsed is None:
            continue
        if isinstance(parsed, ParseError):
            errors.append(parsed)
            continue
        units.append(build_template(parsed, env))
    return units, errors


def check_units(units: list[Unit], config: Config, today: date) -> tuple[list[Finding], list[Suppressed]]:
    from rules import ALL_RULES

    enabled = {rule.id for rule in ALL_RULES if config.rule_enabled(rule.id)}
    findings: list[Finding] = []
    suppressed: list[Suppressed] = []
    for unit in units:
        shared: dict[str, Any] = {}
        raw: list[Finding] = []
        for rule in ALL_RULES:
            if rule.id in enabled:
                raw.extend(rule.check(unit, shared))
        active, hidden, meta = apply_suppressions(unit, raw, today, enabled)
        findings.extend(active + meta)
        suppressed.extend(hidden)
    findings = [replace(f, level=config.levels[f.rule]) if f.rule in config.levels else f for f in findings]
    return sorted(findings, key=Finding.sort_key), sorted(suppressed, key=lambda s: s.finding.sort_key())


def in_focus(finding: Finding, files: set[str], dirs: list[str]) -> bool:
    """Pre-commit passes file names: report what those files can have changed, nothing else."""
    if finding.location.path in files or finding.evidence & files:
        return True
    return any(d in (".", "") or finding.location.path.startswith(d.rstrip("/") + "/") for d in dirs)


def run(paths: list[Path], cwd: Path | None = None, config: Config | None = None, progress: Progress | None = None,
        today: date | None = None) -> Report:
    cwd = cwd or Path.cwd()
    config = config or Config()
    env = Environment(config.account_id, config.region)
    plan = discover(paths, cwd, config.exclude)
    errors = [ParseError(display_path(p, cwd), None, None, msg) for p, msg in plan.problems]
    total = sum(len(v) for v in plan.modules.values()) + len(plan.templates)
    done = [0]

    def tick() -> None:
        done[0] += 1
        if progress:
            progress(done[0], total)

    tf_units, tf_errors = load_terraform(plan, cwd, config, env, tick)
    cfn_units, cfn_errors = load_templates(plan, cwd, config, env, tick)
    units = tf_units + cfn_units
    errors += tf_errors + cfn_errors
    findings, suppressed = check_units(units, config, today or date.today())
    focus_files = {display_path(p, cwd) for p in paths if p.is_file()}
    if focus_files:
        focus_dirs = [display_path(p, cwd) for p in paths if p.is_dir()]
        findings = [f for f in findings if in_focus(f, focus_files, focus_dirs)]
        suppressed = [s for s in suppressed if in_focus(s.finding, focus_files, focus_dirs)]
    errors.sort(key=lambda e: (e.path, e.line or 0, e.column or 0, e.message))
    # Files that are infrastructure: read into a unit, or meant to be and broken. Skipped YAML/JSON do not count.
    files = {f for u in units for f in u.files} | {e.path for e in errors}
    return Report(findings, errors, len(units), len(files), suppressed)

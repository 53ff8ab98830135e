"""The pipeline: discovery -> reading -> per unit (parse, build, rules, suppressions; parallel, cached) -> report."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path

from infra_policy_linter.config import Config
from infra_policy_linter.findings.finding import Finding
from infra_policy_linter.findings.suppress import Suppressed
from infra_policy_linter.inputs.discovery import (
    Plan,
    discover,
    display_path,
    is_auto_tfvars,
    is_terraform_file,
    opentofu_wins,
    printable,
    tfvars_order,
    wanted,
)
from infra_policy_linter.inputs.file_facts import FileFacts
from infra_policy_linter.inputs.focus import Focus, widen
from infra_policy_linter.inputs.ignore import absolute
from infra_policy_linter.inputs.module_calls import local_calls, read_paths, remote_modules
from infra_policy_linter.inputs.passed_over import PassedOver
from infra_policy_linter.inputs.sniff import bytes_look_like_template, looks_like_plan
from infra_policy_linter.inputs.sources import Source, read_head, read_source
from infra_policy_linter.inputs.walk_cache import Listings
from infra_policy_linter.model.located import ParseError
from infra_policy_linter.run.cache import ResultCache, code_digest
from infra_policy_linter.run.work import Work
from infra_policy_linter.run.workers import Progress, analyse_all


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)
    units: int = 0
    files: int = 0
    suppressed: list[Suppressed] = field(default_factory=list)
    unrendered: list[str] = field(default_factory=list)  # template-source paths with {{ }} placeholders, skipped
    counts: dict[str, int] = field(default_factory=dict)  # summed over units, see infra_policy_linter.run.coverage
    read: list[str] = field(default_factory=list)  # the infrastructure files judged (display paths)
    focused: bool = False  # only what changed files can affect was reported (pre-commit)


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class _ModuleReader:
    """Reads each Terraform directory once, whichever root module or module call reaches it first."""

    def __init__(self, cwd: Path, config: Config) -> None:
        self.cwd = cwd
        self.config = config
        self._done: dict[Path, tuple[list[Source], list[ParseError]]] = {}
        self._real: dict[Path, Path] = {}

    def real(self, path: Path) -> Path:
        """``path.resolve()``, once per path and run (a file system call per part of the path)."""
        if path not in self._real:
            self._real[path] = path.resolve()
        return self._real[path]

    def read(self, directory: Path, files: list[Path] | None = None) -> tuple[list[Source], list[ParseError]]:
        if directory not in self._done:
            paths = _terraform_files(directory) if files is None else files
            sources: list[Source] = []
            problems: list[ParseError] = []
            for path in paths:
                read = read_source(path, display_path(path, self.cwd), self.config.max_file_size)
                if isinstance(read, ParseError):
                    problems.append(read)
                else:
                    sources.append(read)
            self._done[directory] = (sources, problems)
        return self._done[directory]

    def texts(self, directory: Path, files: list[Path] | None = None) -> list[str]:
        return [s.data.decode("utf-8", "replace") for s in self.read(directory, files)[0]]


def _terraform_files(directory: Path) -> list[Path]:
    try:
        return opentofu_wins(sorted(p for p in directory.iterdir() if is_terraform_file(p.name) and p.is_file()))
    except OSError:
        return []


def collect_work(
    plan: Plan, cwd: Path, config: Config, passed: PassedOver | None = None
) -> tuple[list[Work], list[ParseError]]:
    """Read every input once. Templates are sniffed on their bytes: other YAML/JSON never reaches a parser
    (``passed``: those found so by an earlier run, and unchanged, are not read at all)."""
    from infra_policy_linter.run.frontends import serverless_works, terragrunt_works

    errors = [ParseError(printable(display_path(p, cwd)), None, None, msg) for p, msg in plan.problems]
    reader = _ModuleReader(cwd, config)
    # A module a terragrunt.hcl names as its source is judged with that configuration's inputs, not alone.
    stacks = terragrunt_works(plan, cwd, config, errors, partial(_module_work, reader=reader, errors=errors))
    works = _terraform_works(plan, reader, errors, {reader.real(Path(w.modules[0][0])) for w in stacks if w.modules})
    works += _template_works(plan, cwd, config, errors, passed)
    works += serverless_works(plan, cwd, config, errors) + stacks
    return works, errors


def _module_work(directory: Path, reader: _ModuleReader, errors: list[ParseError]) -> Work | None:
    """A directory as a root module, with its own .tfvars and the modules it calls (for a terragrunt.hcl)."""
    files = _terraform_files(directory)
    tfvars = sorted((p for p in directory.glob("*") if is_auto_tfvars(p.name) and p.is_file()), key=tfvars_order)
    plan = Plan(modules={directory: files}, tfvars={directory: tfvars})
    calls = {directory: local_calls(directory, reader.texts(directory, files))}
    return _terraform_work(directory, plan, calls, reader, errors)


def _terraform_works(
    plan: Plan, reader: _ModuleReader, errors: list[ParseError], stacks: set[Path] | None = None
) -> list[Work]:
    calls = {d: local_calls(d, reader.texts(d, plan.modules[d])) for d in plan.modules}
    called = _called_anywhere(calls, reader) | (stacks or set())
    works: list[Work] = []
    for directory in sorted(plan.modules):
        if reader.real(directory) in called:
            continue  # judged as part of the module that calls it, with the inputs it is given
        work = _terraform_work(directory, plan, calls, reader, errors)
        if work is not None:
            works.append(work)
    return works


def _called_anywhere(calls: dict[Path, list[Path]], reader: _ModuleReader) -> set[Path]:
    """Every directory some module calls, through any depth: with pre-commit's file names, the module in between
    may not be in the plan."""
    called: set[Path] = set()
    real = reader.real
    pending = [c for d, targets in calls.items() for c in targets if real(c) != real(d)]
    while pending and len(called) < 4096:
        child = pending.pop()
        if real(child) in called:
            continue
        called.add(real(child))
        if child.is_dir() and child not in calls:
            pending.extend(c for c in local_calls(child, reader.texts(child)) if real(c) != real(child))
    return called


def _terraform_work(
    directory: Path, plan: Plan, calls: dict[Path, list[Path]], reader: _ModuleReader, errors: list[ParseError]
) -> Work | None:
    cwd, config = reader.cwd, reader.config
    sources, problems = reader.read(directory, plan.modules[directory])
    errors.extend(problems)
    broken = [e.path for e in problems]
    var_files, variables = config.variables_for(display_path(directory, cwd))
    tfvars = _variable_files(plan.tfvars.get(directory, []), [cwd / f for f in var_files], reader, errors, broken)
    if not sources:
        return None
    modules, remote = _called_modules(directory, calls, reader, errors)
    texts, absent = _read_files(directory, [sources] + [list(m[1]) for m in modules], cwd, config)
    return Work(
        "terraform",
        display_path(directory, cwd),
        tuple(sources),
        tuple(tfvars),
        tuple(broken),
        modules,
        remote,
        texts,
        variables,
        absent,
    )


def _variable_files(
    found: list[Path], given: list[Path], reader: _ModuleReader, errors: list[ParseError], broken: list[str]
) -> list[Source]:
    """The root's own .tfvars files, then those given with --var-file (in that order: later ones win)."""
    cwd, config = reader.cwd, reader.config
    for path in given:
        if not path.is_file():
            message = "variable file not found (given with --var-file or var-files)"
            errors.append(ParseError(display_path(path, cwd), None, None, message))
    tfvars: list[Source] = []
    for path in found + [p for p in given if p.is_file()]:
        read = read_source(path, display_path(path, cwd), config.max_file_size)
        if isinstance(read, ParseError):
            errors.append(read)
            broken.append(read.path)
        else:
            tfvars.append(read)
    return tfvars


def _template_works(
    plan: Plan, cwd: Path, config: Config, errors: list[ParseError], passed: PassedOver | None = None
) -> list[Work]:
    """``passed``: the YAML and JSON files known to be neither a template nor a plan (not read again)."""
    passed = passed or PassedOver(None)
    reads = _read_templates(plan, cwd, config, errors, passed)
    # Only templates nest, export and import (most YAML and JSON files of a repository are not templates, and
    # scanning them all was half of a cached run over serverless-patterns): a file that is not one cannot hide
    # the templates it names from being linted on their own.
    templates = {path: read for path, read in reads.items() if bytes_look_like_template(read.data)}
    nested = _nested_templates(templates, cwd, config)
    children = {c.resolve() for kids in nested.values() for c in kids}
    # Resolving every template's path costs a system call per part: only a path with a child's name, or a link
    # (whose target may have one), can resolve to a child.
    child_names = {c.name for c in children}
    for path, exporters in _exporters(templates).items():  # read with the template, so a change there re-lints it
        nested[path] = nested.get(path, []) + [e for e in exporters if e not in nested.get(path, [])]
    works: list[Work] = []
    for path, read in reads.items():
        if path in templates:
            if (path.name in child_names or path.is_symlink()) and path.resolve() in children:
                continue  # judged inside the template that nests it, with the parameters it passes
            kids = (
                reads.get(c) or read_source(c, display_path(c, cwd), config.max_file_size) for c in nested.get(path, [])
            )
            works.append(Work("cloudformation", read.path, (read,) + tuple(s for s in kids if isinstance(s, Source))))
        elif path.suffix == ".json" and looks_like_plan(read.data):
            works.append(Work("terraform-plan", read.path, (read,)))
        else:
            passed.remember(path)
    return works


def _read_templates(
    plan: Plan, cwd: Path, config: Config, errors: list[ParseError], passed: PassedOver
) -> dict[Path, Source]:
    reads: dict[Path, Source] = {}
    for path in plan.templates:
        if passed.known(path):
            continue
        read = read_source(path, display_path(path, cwd), config.max_file_size)
        if isinstance(read, ParseError):
            # Too large or unreadable: an error only if it looks like a template (or cannot be looked at).
            if not read.message.startswith("skipped:") or bytes_look_like_template(read_head(path)):
                errors.append(read)
            continue
        reads[path] = read
    return reads


def _exporters(templates: dict[Path, Source]) -> dict[Path, list[Path]]:
    """Template -> the other templates of the run that export a name it imports (literal names only)."""
    from infra_policy_linter.resolve.cloudformation.nested import exported_names, imported_names

    exports: dict[str, list[Path]] = {}
    imports: dict[Path, set[str]] = {}
    for path, read in templates.items():
        if b"Export" in read.data:
            for name in exported_names(read.data.decode("utf-8", "replace")):
                exports.setdefault(name, []).append(path)
        if b"ImportValue" in read.data:
            imports[path] = imported_names(read.data.decode("utf-8", "replace"))
    found = {
        path: sorted({e for n in names for e in exports.get(n, []) if e != path}) for path, names in imports.items()
    }
    return {p: e for p, e in found.items() if e}


def _nested_templates(templates: dict[Path, Source], cwd: Path, config: Config) -> dict[Path, list[Path]]:
    """Template -> every local template it nests, transitively (nested stacks, SAM applications). A child that
    is not among ``templates`` is read again to follow what it nests in turn."""
    from infra_policy_linter.resolve.cloudformation.nested import local_template_refs

    direct: dict[Path, list[Path]] = {}
    for path, read in templates.items():
        if b"TemplateURL" in read.data or b"Location" in read.data:
            refs = [r for r in local_template_refs(path, read.data.decode("utf-8", "replace")) if r != path]
            if refs:
                direct[path] = refs
    found: dict[Path, list[Path]] = {}
    for path in list(direct):
        seen: list[Path] = []
        pending = list(direct[path])
        while pending and len(seen) < 64:
            child = pending.pop(0)
            if child in seen or child == path:
                continue
            seen.append(child)
            if child not in templates and child not in direct:
                nested_read = read_source(child, display_path(child, cwd), config.max_file_size)
                if isinstance(nested_read, Source):
                    refs = local_template_refs(child, nested_read.data.decode("utf-8", "replace"))
                    direct[child] = [r for r in refs if r != child]
            pending.extend(direct.get(child, []))
        found[path] = seen
    return found


def _read_files(
    root: Path, groups: list[list[Source]], cwd: Path, config: Config
) -> tuple[tuple[Source, ...], tuple[str, ...]]:
    """The files a module reads with file()/templatefile() and a literal path, so that they are part of the unit
    (and of its cache key), and those of them that do not exist."""
    found: dict[str, Source] = {}
    absent: set[str] = set()
    for sources in groups:
        for source in sources:
            if b"file(" not in source.data:
                continue  # (read_paths' own test, before decoding: called modules are scanned once per caller)
            directory = Path(source.path).parent
            for path in read_paths(source.data.decode("utf-8", "replace")):
                # ${path.module}/x is the module's own directory; a bare relative path is terraform's cwd (the root)
                target = (
                    cwd / directory / path[len("${path.module}/") :]
                    if path.startswith("${path.module}/")
                    else root / path
                )
                shown = display_path(target, cwd)
                if shown in found:
                    continue
                try:
                    exists, is_file = target.exists(), target.is_file()
                except OSError:  # a name the file system refuses (too long): not a file the module can read
                    continue
                if not exists:
                    absent.add(shown)
                elif is_file:
                    read = read_source(target, shown, config.max_file_size)
                    if isinstance(read, Source):
                        found[shown] = read
    return tuple(found[k] for k in sorted(found)), tuple(sorted(absent))


def _called_modules(
    root: Path, calls: dict[Path, list[Path]], reader: _ModuleReader, errors: list[ParseError]
) -> tuple[tuple[tuple[str, tuple[Source, ...]], ...], tuple[tuple[str, str], ...]]:
    """Every module a root module calls, transitively: local paths and modules `terraform init` fetched."""
    remote = remote_modules(root)
    pending = list(calls.get(root, [])) + list(remote.values())
    seen: set[Path] = {reader.real(root)}
    modules: list[tuple[str, tuple[Source, ...]]] = []
    while pending and len(seen) < 256:
        directory = pending.pop(0)
        if reader.real(directory) in seen or not directory.is_dir():
            continue
        seen.add(reader.real(directory))
        sources, problems = reader.read(directory)
        errors.extend(e for e in problems if e not in errors)
        modules.append((display_path(directory, reader.cwd), tuple(sources)))
        texts = [s.data.decode("utf-8", "replace") for s in sources]
        pending.extend(local_calls(directory, texts))
    remote_dirs = tuple(sorted((address, display_path(d, reader.cwd)) for address, d in remote.items()))
    return tuple(sorted(modules)), remote_dirs


def in_focus(
    finding: Finding, files: set[str], dirs: list[str], units: frozenset[str] | set[str] = frozenset()
) -> bool:
    """Pre-commit passes file names: report what those files can have changed, nothing else."""
    if finding.location.path in files or finding.evidence & files or finding.unit in units:
        return True
    return any(d in (".", "") or finding.location.path.startswith(d.rstrip("/") + "/") for d in dirs)


def run(
    paths: list[Path],
    cwd: Path | None = None,
    config: Config | None = None,
    progress: Progress | None = None,
    today: date | None = None,
    jobs: int | None = None,
    cache_dir: Path | None = None,
) -> Report:
    cwd = cwd or Path.cwd()
    config = config or Config()
    focus = Focus()
    kept: Listings | None = None
    if any(p.is_file() for p in paths):
        # Changed files (pre-commit): also every root module whose verdicts they can change.
        facts = partial(FileFacts.load, cache_dir, salt=code_digest())
        listings = partial(Listings.load, cache_dir, salt=code_digest(), wanted=wanted)
        focus = widen(paths, cwd, config.exclude, facts, listings)
    elif cache_dir is not None:
        # Directories only: the walk replays each unchanged directory's listing kept by the last run
        # (inputs/listed_walk.py; the same plan as a fresh walk), instead of listing and matching it again.
        kept = Listings.load(cache_dir, absolute(cwd), salt=code_digest(), wanted=wanted)
    plan = discover(paths + focus.extra, cwd, config.exclude, listings=kept)
    if kept is not None:
        kept.save()
    passed = PassedOver.load(cache_dir, code_digest())
    works, errors = collect_work(plan, cwd, config, passed)
    passed.save()
    results = analyse_all(
        works, config, today or date.today(), jobs or default_jobs(), ResultCache(cache_dir), progress
    )
    findings = [f for r in results for f in r.findings]
    suppressed = [s for r in results for s in r.suppressed]
    errors += [e for r in results for e in r.errors]
    focus_files = {display_path(p, cwd) for p in paths if p.is_file()}
    if focus_files:
        focus_dirs = [display_path(p, cwd) for p in paths if p.is_dir()]
        findings = [f for f in findings if in_focus(f, focus_files, focus_dirs, focus.units)]
        suppressed = [s for s in suppressed if in_focus(s.finding, focus_files, focus_dirs, focus.units)]
    findings.sort(key=Finding.sort_key)
    # A module called from several roots is judged in each; the same finding at the same place is one finding.
    unique: dict[tuple[str, object, str], Finding] = {}
    for finding in findings:
        unique.setdefault((finding.rule, finding.location, finding.message), finding)
    findings = list(unique.values())
    suppressed.sort(key=lambda s: s.finding.sort_key())
    errors = sorted(
        {(e.path, e.line or 0, e.column or 0, e.message): e for e in errors}.values(),
        key=lambda e: (e.path, e.line or 0, e.column or 0, e.message),
    )
    # Files that are infrastructure: read into a unit, or meant to be and broken. Skipped YAML/JSON do not count.
    files = {f for r in results for f in r.files} | {e.path for e in errors}
    from infra_policy_linter.run.coverage import COUNT_KEYS

    counts = {key: sum(r.counts.get(key, 0) for r in results) for key in COUNT_KEYS}
    return Report(
        findings,
        errors,
        sum(r.units for r in results),
        len(files),
        suppressed,
        [printable(display_path(p, cwd)) for p in plan.unrendered],
        counts,
        sorted(files),
        bool(focus_files),
    )

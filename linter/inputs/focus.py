"""Pre-commit scope: which units a set of changed files can change the verdicts of.

pre-commit passes only the changed files. A changed file in a module changes the verdicts of every root module
that calls it, through any depth; a ``.tfvars`` file changes its root module's variables; a policy file read with
``file()``/``templatefile()`` changes the modules that read it; a nested template changes the template that nests
it (through any depth). Those roots are found by a textual scan of the
work tree's Terraform files (the same one that plans work), and added to the run; a changed root module file keeps
the narrower rule (findings located in the file or naming it as evidence).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from infra_policy_linter.inputs.discovery import discover, display_path
from infra_policy_linter.inputs.file_facts import FileFacts
from infra_policy_linter.inputs.ignore import absolute, git_top
from infra_policy_linter.inputs.listed_walk import terraform_tree
from infra_policy_linter.inputs.module_calls import called_directories
from infra_policy_linter.inputs.walk_cache import Listings

TFVARS_SUFFIXES = (".tfvars", ".tfvars.json")
TERRAFORM_SUFFIXES = (".tf", ".tf.json", ".tofu", ".tofu.json") + TFVARS_SUFFIXES


@dataclass
class Focus:
    extra: list[Path] = field(default_factory=list)  # one file of each root module to add to the run
    units: set[str] = field(default_factory=set)  # units (display names) whose every finding is in focus


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def widen(
    paths: list[Path],
    cwd: Path,
    exclude: tuple[str, ...],
    facts: Callable[[Path], FileFacts] | None = None,
    listings: Callable[[Path], Listings] | None = None,
) -> Focus:
    """``facts``: the store of each file's module calls and reads for a tree top, ``listings`` the store of its
    directory listings (both kept between runs)."""
    changed = _Changed.of([absolute(p) for p in paths if p.is_file()])
    if not changed.tf_dirs and not changed.others and not changed.templates:
        return Focus()
    top = git_top(cwd) or absolute(cwd)
    listed = listings(top) if listings is not None else None
    focus = Focus()
    if changed.templates:
        plan = discover([top], cwd, exclude, listings=listed)
        _template_parents(plan.templates, changed.templates, cwd, focus)
        _serverless_readers(plan.serverless, changed.templates, cwd, focus)
        modules = {os.fspath(absolute(d)): [f.name for f in files] for d, files in plan.modules.items()}
        terragrunt = plan.terragrunt
    elif listed is not None:
        # Module calls and Terragrunt configurations are all that is looked up, unless a template changed.
        modules, terragrunt = terraform_tree(top, cwd, exclude, listed)
    else:
        plan = discover([top], cwd, exclude, kinds=frozenset({"terraform", "terragrunt"}))
        modules = {os.fspath(absolute(d)): [f.name for f in files] for d, files in plan.modules.items()}
        terragrunt = plan.terragrunt
    if listed is not None:
        listed.save()
    _terragrunt_readers(terragrunt, changed, cwd, focus)
    if not changed.tf_dirs and not changed.others:
        return focus
    known = facts(top) if facts is not None else FileFacts(None)
    graph = _ModuleGraph.of(modules, known)
    known.save()
    _widen_to_roots(graph, changed, cwd, focus)
    return focus


def _widen_to_roots(graph: _ModuleGraph, changed: _Changed, cwd: Path, focus: Focus) -> None:
    tf_dirs = {os.fspath(d) for d in changed.tf_dirs}
    var_dirs = {os.fspath(d) for d in changed.var_dirs}
    reading = {d for p in changed.others for d in graph.readers.get(os.fspath(p), ())}
    roots_of_whole: set[str] = set()
    for start in sorted(tf_dirs | reading, key=Path):
        # Values flow through module inputs and outputs, which findings do not name as evidence: a change to a
        # called module, a .tfvars or a policy file puts every finding of the roots above it in focus.
        whole = start in var_dirs or start in reading or bool(graph.callers.get(start))
        for root in graph.roots_above(start):
            if root in graph.first_file and (root not in tf_dirs or root in var_dirs):
                # (a .tfvars alone does not load its module)
                focus.extra.append(Path(os.path.join(root, graph.first_file[root])))
            if whole:
                roots_of_whole.add(root)
    focus.units |= {display_path(Path(d), cwd) for d in roots_of_whole}
    focus.extra = sorted(set(focus.extra))


@dataclass
class _Changed:
    """The changed files, by what they can affect."""

    tf_dirs: set[Path]  # directories of changed Terraform files (.tfvars included)
    var_dirs: set[Path]  # directories of changed .tfvars files
    others: set[Path]  # files a module could read with file()/templatefile()
    templates: set[Path]  # files that may be templates

    @classmethod
    def of(cls, changed: list[Path]) -> _Changed:
        return cls(
            tf_dirs={p.parent for p in changed if p.name.endswith(TERRAFORM_SUFFIXES)},
            var_dirs={p.parent for p in changed if p.name.endswith(TFVARS_SUFFIXES)},
            # YAML is a template's, not a policy's.
            others={
                p
                for p in changed
                if not p.name.endswith(TERRAFORM_SUFFIXES) and not p.name.endswith((".yaml", ".yml", ".template"))
            },
            templates={
                p
                for p in changed
                if p.name.endswith((".yaml", ".yml", ".json", ".template")) and not p.name.endswith(TFVARS_SUFFIXES)
            },
        )


@dataclass
class _ModuleGraph:
    """Who calls each local module, who reads each file, and one file of each module (to add it to a run). Paths
    are absolute and normal, as text: the tree has thousands of files, and few of them call or read anything."""

    callers: dict[str, set[str]] = field(default_factory=dict)
    readers: dict[str, set[str]] = field(default_factory=dict)
    first_file: dict[str, str] = field(default_factory=dict)  # directory -> the name of its first file

    @classmethod
    def of(cls, modules: dict[str, list[str]], facts: FileFacts) -> _ModuleGraph:
        graph = cls()
        for here, names in modules.items():
            if names:
                graph.first_file[here] = names[0]
            sources, reads = facts.of_module(here, names)
            for child in called_directories(Path(here), sources) if sources else []:
                if os.fspath(absolute(child)) != here:
                    graph.callers.setdefault(os.fspath(absolute(child)), set()).add(here)
            for written in reads:
                # ${path.module}/x is next to the module; a bare relative path is relative to the root (see
                # engine._read_files); both are looked up, a file read either way is in scope.
                name = written[len("${path.module}/") :] if written.startswith("${path.module}/") else written
                graph.readers.setdefault(os.fspath(absolute(Path(here) / name)), set()).add(here)
        return graph

    def roots_above(self, start: str) -> list[str]:
        """The root modules that call ``start`` through any depth (``start`` itself when nothing calls it)."""
        roots: list[str] = []
        pending, seen = [start], {start}
        while pending:
            directory = pending.pop()
            above = self.callers.get(directory, set())
            if not above:
                roots.append(directory)
            for caller in sorted(above - seen):
                seen.add(caller)
                pending.append(caller)
        return roots


def _template_parents(all_templates: list[Path], changed: set[Path], cwd: Path, focus: Focus) -> None:
    """A changed template nested by another (a nested stack, a SAM application) is judged inside the template
    that nests it: that parent, through any depth, joins the run, and all of its findings are in focus."""
    from infra_policy_linter.resolve.cloudformation.nested import local_template_refs

    parents: dict[Path, set[Path]] = {}
    for path in all_templates:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if b"TemplateURL" not in data and b"Location" not in data:
            continue
        here = absolute(path)
        for child in local_template_refs(here, data.decode("utf-8", "replace")):
            if absolute(child) != here:
                parents.setdefault(absolute(child), set()).add(here)
    for start in sorted(changed):
        pending, seen = [start], {start}
        while pending:
            current = pending.pop()
            above = parents.get(current, set())
            if not above and current != start:
                focus.extra.append(current)
                focus.units.add(display_path(current, cwd))
            for parent in sorted(above - seen):
                seen.add(parent)
                pending.append(parent)


def _serverless_readers(services: list[Path], changed: set[Path], cwd: Path, focus: Focus) -> None:
    """A changed file that a serverless.yml reads with ``${file(...)}`` is judged inside that service."""
    from infra_policy_linter.inputs.serverless_files import read_files
    from infra_policy_linter.inputs.sources import Source

    for service in services:
        if absolute(service) in changed:
            continue
        try:
            source = Source(display_path(service, cwd), service.read_bytes())
        except OSError:
            continue
        read = {absolute(cwd / s.path) for s in read_files(service, source, cwd, 1 << 24)}
        if read & changed:
            focus.extra.append(service)
            focus.units.add(display_path(service, cwd))


def _terragrunt_readers(configs: list[Path], changed: _Changed, cwd: Path, focus: Focus) -> None:
    """A changed parent configuration (root.hcl, env.hcl) or a changed file of the module a terragrunt.hcl names
    as its source is judged inside that terragrunt.hcl."""
    if not configs:
        return
    from infra_policy_linter.resolve.terraform.terragrunt import Terragrunt, local_source

    files = changed.others | {p for p in changed.templates if p.suffix == ".json"}
    for config in configs:
        if not (files or changed.tf_dirs):
            return
        seen: set[Path] = set()

        def read(name: str, seen: set[Path] = seen) -> str | None:
            path = Path(name)
            text = _read(path) if path.is_file() else None
            if text is not None:
                seen.add(path)
            return text

        stack = Terragrunt(absolute(config).as_posix(), read)
        source, _ = stack.source()
        stack.inputs()
        module = local_source(source, absolute(config).parent.as_posix())
        if seen & files or (module is not None and Path(module) in changed.tf_dirs):
            focus.extra.append(config)
            focus.units.add(display_path(config, cwd))

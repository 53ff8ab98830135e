"""Discovery's walk on directory listings kept between runs (walk_cache.py), for pre-commit's scope: the same
paths, problems and order as discovery's os.walk, with paths as text, and each directory's part of the result kept
and replayed while the directory and the ignore rules are unchanged."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from infra_policy_linter.inputs.discovery import (
    NOT_UTF8,
    Plan,
    _classify,
    _Filter,
    _kind,
    _replaced,
    _skipped_dir,
    _sorted_plan,
    in_utf8,
    unrendered,
)
from infra_policy_linter.inputs.ignore import GitIgnores, absolute
from infra_policy_linter.inputs.walk_cache import Listings


def terraform_tree(
    root: Path, cwd: Path, exclude: tuple[str, ...], listings: Listings
) -> tuple[dict[str, list[str]], list[Path]]:
    """What ``discover([root], cwd, exclude, {"terraform", "terragrunt"}, listings)`` finds, with the modules as
    text: directory -> its Terraform files' names, in the plan's order. For pre-commit's scope, which looks at
    every module of the tree but needs a path for few of them. Each directory's part of it (the directories to
    enter, its Terraform and terragrunt.hcl files) is kept, and used again while the directory's signature and
    every ignore rule file are unchanged: an edit that adds or renames a file makes one directory be walked."""
    if not root.is_dir() or unrendered(root.resolve().as_posix()):
        return {}, []  # what discover finds there: a problem or an unrendered directory, nothing to look up
    key: list[object] = [os.fspath(root), os.fspath(cwd), list(exclude)]
    try:
        before = listings.kept_walk(key)
        if listings.all_unchanged(before):
            return _as_walked(before)  # every directory is as it was: so is the walk
        return _tree(root, cwd, exclude, listings, _Memo(before, {}), key)
    except (
        TypeError,
        AttributeError,
        ValueError,
    ):  # a kept part not shaped as this code writes it (the store is read leniently)
        return _tree(root, cwd, exclude, listings, _Memo({}, {}), key)


def _as_walked(kept: dict[str, object]) -> tuple[dict[str, list[str]], list[Path]]:
    """What the walk that kept ``kept`` found (see _Memo)."""
    modules: dict[str, list[str]] = {}
    terragrunt: set[Path] = set()
    for directory, entry in kept.items():
        terraform, configs = cast("list[list[str]]", entry)[2:4]
        if terraform:
            if not all(type(name) is str for name in terraform):
                raise TypeError(f"kept names of {directory}")
            modules[directory] = list(terraform)
        terragrunt.update(Path(directory) / name for name in configs)
    return modules, sorted(terragrunt)


def _tree(
    root: Path, cwd: Path, exclude: tuple[str, ...], listings: Listings, memo: _Memo, key: list[object]
) -> tuple[dict[str, list[str]], list[Path]]:
    plan = Plan()
    filters = _Filter(cwd, exclude, True, frozenset({"terraform", "terragrunt"}))
    modules: dict[str, list[str]] = {}
    discover_listed(root, plan, filters, listings, modules, memo)
    order = None if os.sep == "/" else str.lower  # Path's order (see _order) for names in one directory
    for directory in memo.fresh:  # (a replayed directory's names were kept in this order)
        present = set(modules[directory])
        modules[directory] = [n for n in sorted(present, key=order) if not _replaced(n, present)]
        if directory in memo.now:
            memo.now[directory][2] = modules[directory]
    terragrunt = _sorted_plan(plan).terragrunt
    if not plan.problems:  # a directory that could not be read is walked again next time
        rules = _rule_files(root, filters, memo.now) + (list(listings.kept_rules) if memo.replayed else [])
        changed = memo.walked or len(memo.now) != len(memo.before)
        listings.keep_walk(key, memo.now, rules, changed, complete=not memo.partial)
    return modules, terragrunt


@dataclass
class _Memo:
    """Each directory's part of a walk: [signature, directories entered, Terraform files, terragrunt.hcl files,
    1 when it holds a .gitignore] by directory, as kept (``before``) and as this walk found it (``now``)."""

    before: dict[str, object]
    now: dict[str, list[object]]
    replayed: bool = False
    walked: bool = False
    fresh: list[str] = field(default_factory=list)  # walked directories with Terraform files
    partial: bool = False  # a directory's part was not kept (see Listings.kept_signature)


def _rule_files(root: Path, filters: _Filter, found: dict[str, list[object]]) -> list[str]:
    """The files that decided what a walk from ``root`` left out, besides its directories' listings."""
    files: list[str] = []
    for ignores in filters.repos.values():
        if ignores is not None:
            above = absolute(root).relative_to(ignores.top).parts
            files += [os.fspath(ignores.top.joinpath(*above[:depth], ".gitignore")) for depth in range(len(above))]
            files += [os.fspath(f) for f in ignores.read_files()]
    if filters.repos:
        files += [_join(directory, ".gitignore") for directory, entry in found.items() if entry[4]]
    return files


def discover_listed(
    root: Path,
    plan: Plan,
    filters: _Filter,
    listings: Listings,
    modules: dict[str, list[str]] | None = None,
    memo: _Memo | None = None,
) -> None:
    """_discover_directory's walk, on directory listings kept between runs: the same paths, problems and order
    (os.walk's: depth first, a directory before what it holds, symbolic links to directories listed, not entered).
    Paths are text and parts below the ignore rules' top until a file is taken: no Path per directory entry."""
    ignores = filters.gitignores(absolute(root))
    if ignores is not None and ignores.ignored(absolute(root), True):
        ignores = None  # a directory named on the command line is read even if git ignores it
    walk = _ListedWalk(plan, filters, ignores, filters.filters(ignores), modules)
    pending = [(os.fspath(root), absolute(root).relative_to(ignores.top).parts if ignores is not None else ())]
    while pending:
        dirpath, parts = pending.pop()
        entry = listings.unchanged(dirpath, memo.before) if memo is not None else None
        if entry is None:
            try:
                dirs, files = listings.listing(dirpath)
            except OSError as err:
                plan.problems.append((Path(err.filename or root), f"cannot read directory: {err.strerror or err}"))
                continue
            entry = walk.directory(dirpath, parts, dirs, files, listings.kept_signature(dirpath))
            if memo is not None:
                memo.walked = True
                memo.fresh += [dirpath] if entry[2] else []
        else:
            walk.replay(dirpath, parts, entry)
            memo.replayed = True  # type: ignore[union-attr]
        if memo is not None and entry[0] is not None:
            memo.now[dirpath] = entry
        elif memo is not None:
            memo.partial = True
        entered = cast("list[str]", entry[1])
        pending.extend((_join(dirpath, name), (*parts, name)) for name in reversed(entered))


@dataclass
class _ListedWalk:
    plan: Plan
    filters: _Filter
    ignores: GitIgnores | None
    filtering: bool
    modules: dict[str, list[str]] | None  # Terraform files by directory, as text (terraform_tree)

    def directory(
        self, dirpath: str, parts: tuple[str, ...], dirs: list[tuple[str, bool]], files: list[str], kept: str | None
    ) -> list[object]:
        """Walks one listed directory; returns its part of the walk (see _Memo), with ``kept`` as its signature
        (None: not to be kept)."""
        if self.ignores is not None and ".gitignore" not in files:
            self.ignores.without_file(parts)
        entered = [below[-1] for _, below in self.directories(dirpath, parts, dirs)]
        before = len(self.plan.terragrunt)
        self.files(dirpath, parts, files)
        terraform = list(self.modules.get(dirpath, [])) if self.modules is not None else []
        terragrunt = [p.name for p in self.plan.terragrunt[before:]]
        return [kept, entered, terraform, terragrunt, int(".gitignore" in files)]

    def replay(self, dirpath: str, parts: tuple[str, ...], entry: list[object]) -> None:
        """What :meth:`directory` found in this directory before, as it was."""
        if self.ignores is not None and not entry[4]:
            self.ignores.without_file(parts)
        names = cast("list[str]", entry[2])
        if names and self.modules is not None:
            if not all(type(name) is str for name in names):
                raise TypeError(f"kept names of {dirpath}")  # (terraform_tree walks without what was kept)
            self.modules[dirpath] = list(names)
        self.plan.terragrunt += [Path(dirpath) / name for name in cast("list[str]", entry[3])]

    def _kept(self, dirpath: str, parts: tuple[str, ...], names: list[str], is_dir: bool) -> list[str]:
        """:meth:`_Filter.keep` for the entries ``names`` of one directory, decided together."""
        if not self.filtering or not names:
            return names
        if self.filters.excludes.patterns:
            names = [n for n in names if not self.filters.excludes.excluded(Path(_join(dirpath, n)), is_dir)]
        if self.ignores is not None:
            dropped = self.ignores.ignored_names(parts, names, is_dir)
            names = [n for n in names if n not in dropped] if dropped else names
        return names

    def directories(
        self, dirpath: str, parts: tuple[str, ...], dirs: list[tuple[str, bool]]
    ) -> list[tuple[str, tuple[str, ...]]]:
        """Records the unrendered directories; returns those to enter, in order."""
        names = sorted(name for name, _ in dirs)
        for name in self._kept(dirpath, parts, [n for n in names if unrendered(n)], True):
            self.plan.unrendered.append(Path(dirpath) / name)
        links = {name for name, link in dirs if link}
        others = [n for n in names if not unrendered(n) and not _skipped_dir(dirpath, n)]
        return [(_join(dirpath, n), parts + (n,)) for n in self._kept(dirpath, parts, others, True) if n not in links]

    def files(self, dirpath: str, parts: tuple[str, ...], files: list[str]) -> None:
        kinds = self.filters.kinds
        found = [(name, _kind(name)) for name in sorted(files)]
        found = [
            (name, kind)
            for name, kind in found
            if (kind is not None or unrendered(name)) and (kinds is None or kind in kinds)
        ]
        kept = set(self._kept(dirpath, parts, [name for name, _ in found], False))
        here: Path | None = None
        named = in_utf8(dirpath)
        for filename, kind in found:
            if filename not in kept:
                continue
            if not (named and in_utf8(filename)):
                self.plan.problems.append((Path(dirpath) / filename, NOT_UTF8))
                continue
            if kind == "terraform" and self.modules is not None and not unrendered(filename):
                self.modules.setdefault(dirpath, []).append(filename)
                continue
            here = here or Path(dirpath)
            if unrendered(filename):
                self.plan.unrendered.append(here / filename)
            else:
                _classify(here / filename, self.plan, kind, here)


def _join(directory: str, name: str) -> str:
    """os.path.join for a name from a listing (no separator in it), as os.walk joins them."""
    if os.sep == "/":
        return directory + name if directory.endswith("/") else directory + "/" + name
    return os.path.join(directory, name)

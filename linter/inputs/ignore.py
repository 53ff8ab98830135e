"""Which paths discovery leaves out: ``.gitignore`` / ``.git/info/exclude`` inside a git work tree, and
``--exclude`` patterns, both with gitignore semantics (pathspec's GitIgnoreSpec; git itself is never run).
As in git, the ignore rules leave out untracked files only (the index says what is tracked).

Git's precedence: within one file the last matching pattern wins; a deeper ``.gitignore`` wins over a shallower
one; ``.git/info/exclude`` comes below every ``.gitignore``. Nothing below an ignored directory comes back, so
discovery prunes ignored directories instead of looking inside them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from infra_policy_linter.inputs.git_index import tracked_paths

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec


def _spec(lines: list[str]) -> GitIgnoreSpec | None:
    lines = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        return None
    from pathspec import GitIgnoreSpec  # only where there are patterns: a tenth of a pre-commit run's start

    return GitIgnoreSpec.from_lines(lines)


class _Rules:
    """One ignore file's rules. A path that no pattern matches is decided by one combined expression: in a tree
    with hundreds of .gitignore files of dozens of patterns each, matching them one by one was most of discovery."""

    # Compiling the combined expression costs about what checking a dozen paths pattern by pattern does: most
    # .gitignore files of a monorepo's projects guard a handful of files, so it is built only for the busy ones.
    BUSY = 12

    def __init__(self, spec: GitIgnoreSpec) -> None:
        self.spec = spec
        self.uses = 0
        self.any: re.Pattern[str] | None = None
        self.whole = False  # the combined expression is built and stands for every pattern

    def _combine(self) -> None:
        # pathspec's patterns name a group (ps_d) each; in one alternation the names would clash
        alternatives = [p.regex.pattern.replace("(?P<ps_d>", "(?:") for p in self.spec.patterns if p.regex is not None]
        try:
            self.any = re.compile("|".join(f"(?:{a})" for a in alternatives)) if alternatives else None
            self.whole = True
        except re.error:  # a pattern that cannot be combined (inline flags, say): no shortcut
            self.whole = False

    def decide(self, path: str) -> bool | None:
        """True: ignored, False: re-included (a ``!`` pattern), None: no pattern speaks of it."""
        self.uses += 1
        if self.uses == self.BUSY:
            self._combine()
        if self.whole and (self.any is None or self.any.match(path) is None):
            return None
        return self.spec.check_file(path).include


def _rules(lines: list[str]) -> _Rules | None:
    spec = _spec(lines)
    return None if spec is None else _Rules(spec)


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def absolute(path: Path) -> Path:
    """Absolute and normalised, but symlinks kept: every path compared here is made the same way."""
    return Path(os.path.abspath(path))


def git_top(start: Path) -> Path | None:
    """The work tree root above ``start`` (a ``.git`` directory, or a ``.git`` file in a linked worktree)."""
    start = absolute(start)
    for directory in [start, *start.parents]:
        if (directory / ".git").exists():
            return directory
    return None


def _git_dirs(top: Path) -> tuple[Path | None, Path | None]:
    """The work tree's git directory (its index) and the common directory (info/exclude): both .git itself, or
    for a linked worktree the directory its .git file names and the common directory that one points to."""
    dot_git = top / ".git"
    if dot_git.is_dir():
        return dot_git, dot_git
    try:
        text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None, None
    if not text.startswith("gitdir:"):
        return None, None
    git_dir = (top / text[len("gitdir:") :].strip()).resolve()
    common = _read_lines(git_dir / "commondir")
    return git_dir, ((git_dir / common[0].strip()).resolve() if common else git_dir)


@dataclass
class GitIgnores:
    """The ignore rules of one git work tree, read lazily per directory."""

    top: Path
    _specs: dict[tuple[str, ...], _Rules | None] = field(default_factory=dict)  # by a directory's parts below top
    _exclude: _Rules | None = None
    _tracked: set[str] = field(default_factory=set)
    _tracked_dirs: set[str] = field(default_factory=set)
    _along: dict[tuple[str, ...], list[tuple[int, _Rules]]] = field(default_factory=dict)
    _same: dict[tuple[str, ...], _Rules | None] = field(default_factory=dict)  # rules by the file's lines
    _git_dir: Path | None = None
    _exclude_file: Path | None = None
    _index_read: bool = False

    def __post_init__(self) -> None:
        self._git_dir, common_dir = _git_dirs(self.top)
        if common_dir is not None:
            self._exclude_file = common_dir / "info" / "exclude"
            self._exclude = _rules(_read_lines(self._exclude_file))

    def read_files(self) -> list[Path]:
        """The files besides .gitignore whose contents decided what this has said so far: the .git file of a
        linked worktree, .git/info/exclude, and git's index once a pattern matched."""
        files = [self.top / ".git"] if (self.top / ".git").is_file() else []
        if self._exclude_file is not None:
            files.append(self._exclude_file)
        if self._index_read and self._git_dir is not None:
            files.append(self._git_dir / "index")
        return files

    def read_index(self) -> None:
        """For a walk of many paths: with the index read, a tracked path is decided without its patterns."""
        self._is_tracked("", False)

    def _is_tracked(self, rel: str, is_dir: bool) -> bool:
        """Ignore rules apply to untracked files only: a tracked file that a pattern matches is still read. Unless
        :meth:`read_index` was called, the index is read the first time a pattern matches (pre-commit's few paths
        are mostly matched by none, and reading a large index costs more than the rest of its walk)."""
        if not self._index_read:
            self._index_read = True
            self._tracked = tracked_paths(self._git_dir) or set()
            for tracked in self._tracked:
                parts = tracked.split("/")[:-1]
                for depth in range(1, len(parts) + 1):
                    self._tracked_dirs.add("/".join(parts[:depth]))
        return rel in (self._tracked_dirs if is_dir else self._tracked)

    def _dir_spec(self, parts: tuple[str, ...]) -> _Rules | None:
        if parts not in self._specs:
            lines = tuple(_read_lines(self.top.joinpath(*parts, ".gitignore")))
            if lines not in self._same:  # projects copied from one template share their .gitignore word for word
                self._same[lines] = _rules(list(lines))
            self._specs[parts] = self._same[lines]
        return self._specs[parts]

    def without_file(self, parts: tuple[str, ...]) -> None:
        """The directory at ``parts`` below the top has no .gitignore (a walk's listing says so): not opened."""
        self._specs.setdefault(parts, None)

    def _specs_above(self, parent: tuple[str, ...]) -> list[tuple[int, _Rules]]:
        """(depth, rules) of each .gitignore from ``parent`` (parts below the top) up to the top, deepest first,
        worked out once per directory rather than once per file."""
        if parent not in self._along:
            found = [(len(parent), self._dir_spec(parent))]
            if parent:
                found += self._specs_above(parent[:-1])
            self._along[parent] = [(depth, spec) for depth, spec in found if spec is not None]
        return self._along[parent]

    def ignored(self, path: Path, is_dir: bool) -> bool:
        """Whether git ignores ``path`` (see :func:`absolute`) itself; the caller prunes
        ignored directories, so ancestors are not looked at again here."""
        try:
            rel = path.relative_to(self.top)
        except ValueError:
            return False
        return self.ignored_parts(rel.parts, is_dir)

    def ignored_names(self, parent: tuple[str, ...], names: list[str], is_dir: bool) -> set[str]:
        """Which of ``names``, entries of the directory at ``parent`` (parts below the top), git ignores: what
        :meth:`ignored` says of each, without building a path (a walk has the parts)."""
        if not self._specs_above(parent) and self._exclude is None:
            return set()
        return {name for name in names if self.ignored_parts((*parent, name), is_dir)}

    def ignored_parts(self, parts: tuple[str, ...], is_dir: bool) -> bool:
        if not parts or parts[0] == ".git":
            return False
        # Whichever is cheaper first: a set lookup once the index is read (the patterns of the directories on
        # the way, and their .gitignore files, are then not looked at for a tracked path), else the patterns (the
        # index is read only if one matches).
        if self._index_read:
            rel = "/".join(parts)
            if rel in (self._tracked_dirs if is_dir else self._tracked):
                return False
            return self._by_rules(self._specs_above(parts[:-1]), parts, is_dir)
        return self._by_rules(self._specs_above(parts[:-1]), parts, is_dir) and not self._is_tracked(
            "/".join(parts), is_dir
        )

    def _by_rules(self, chain: list[tuple[int, _Rules]], parts: tuple[str, ...], is_dir: bool) -> bool:
        # Deepest .gitignore first: the first one with a matching pattern decides.
        for depth, spec in chain:
            decided = spec.decide(_as_pattern_path(parts[depth:], is_dir))
            if decided is not None:
                return decided
        if self._exclude is not None:
            decided = self._exclude.decide(_as_pattern_path(parts, is_dir))
            if decided is not None:
                return decided
        return False


def _as_pattern_path(parts: tuple[str, ...], is_dir: bool) -> str:
    # A trailing slash lets directory-only patterns ("build/") match the directory itself.
    return "/".join(parts) + ("/" if is_dir else "")


@dataclass
class Excludes:
    """``--exclude`` / ``exclude =`` patterns, gitignore style, relative to the current directory."""

    patterns: tuple[str, ...]
    cwd: Path
    _spec: GitIgnoreSpec | None = None

    def __post_init__(self) -> None:
        self._spec = _spec(list(self.patterns))

    def excluded(self, path: Path, is_dir: bool) -> bool:
        if self._spec is None:
            return False
        rel = Path(os.path.relpath(path, self.cwd)).as_posix()
        if rel == "." or rel.startswith("../"):
            # Outside the current directory: match on the path as given (patterns without a slash still work).
            rel = Path(path).as_posix().lstrip("/")
        return bool(self._spec.match_file(rel + ("/" if is_dir else "")))

"""Directory listings kept between runs, for pre-commit's scope: a directory whose modification time, change time
and inode are what they were when it was listed holds the same names (adding, removing or renaming an entry
changes the directory's times), so it is not listed again. The files themselves are not trusted to be unchanged:
their contents are checked by their own signatures (file_facts.py).

A listing made within ``RACY_NS`` of the directory's last change is not kept: a second change within the file
system's timestamp granularity would leave the times as they were (git calls such index entries racy).
Entries are JSON (never pickle), written atomically, read leniently: a missing or corrupt store only costs a walk.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from infra_policy_linter.stored import write_entry

# Coarse kernel clocks tick every few milliseconds; FAT keeps modification times to two seconds.
RACY_NS = 3_000_000_000

Listing = tuple[list[tuple[str, bool]], list[str]]  # ([(directory name, is a symbolic link)], kept file names)


def _names(lists: list[object]) -> bool:
    """A kept entry's three lists of names are lists of names (the store is read leniently)."""
    return all(type(names) is list and all(type(n) is str for n in names) for names in lists)


def signature(stat: os.stat_result) -> str:
    """What changes when a file or directory changes (git's index compares the same fields), as one short text:
    kept for thousands of files, hexadecimal text reads back four times faster than four JSON numbers."""
    return f"{stat.st_mtime_ns:x}.{stat.st_ctime_ns:x}.{stat.st_ino:x}.{stat.st_size:x}"


def trusted(stat: os.stat_result, since_ns: int) -> bool:
    """Whether a signature taken now can be kept: the entry last changed well before ``since_ns``."""
    return max(stat.st_mtime_ns, stat.st_ctime_ns) < since_ns - RACY_NS


def _read(path: Path | None) -> dict[str, object]:
    try:
        kept = json.loads(path.read_text(encoding="utf-8")) if path is not None else {}
    except (OSError, ValueError):
        return {}
    return kept if isinstance(kept, dict) else {}


@dataclass
class Listings:
    """``wanted``: which file names to keep (the linter's own inputs); directories are all kept. Two files: the
    listings (read only when a walk is made) and the last walk's result with what it depended on."""

    store: Path | None  # the listings; the walk's result is kept beside it, with a .tree suffix to its name
    wanted: Callable[[str], bool]
    _entries: dict[str, object] | None = None  # directory -> [signature, dirs, files, links], read when needed
    visited: dict[str, list[object]] = field(default_factory=dict)  # what this run saw (the store's next content)
    tree: object = None  # the result of the last complete walk and what it depended on (see kept_tree)
    started_ns: int = field(default_factory=time.time_ns)
    changed: bool = False  # the listings changed
    tree_changed: bool = False
    untrusted: bool = False  # a directory changed too recently for its listing to be kept
    links: list[str] = field(default_factory=list)  # the symbolic links met (what they point to decides a walk)

    @classmethod
    def load(cls, directory: Path | None, root: Path, salt: str, wanted: Callable[[str], bool]) -> Listings:
        if directory is None:
            return cls(None, wanted)
        name = hashlib.sha256(f"{root}\0{salt}".encode()).hexdigest()[:32]
        store = directory / "listings" / f"{name}.json"
        return cls(store, wanted, tree=_read(store.with_name(f"{name}.tree.json")) or None)

    @property
    def entries(self) -> dict[str, object]:
        if self._entries is None:
            self._entries = _read(self.store)
        return self._entries

    def listing(self, directory: str) -> Listing:
        """The directories (as os.walk sees them: symbolic links to directories included) and the wanted files
        (everything else os.walk lists as a file) of ``directory``; OSError as os.scandir raises it. What a
        symbolic link points to can change without its directory changing: links are looked at every time."""
        stat = os.stat(directory)
        now = signature(stat)
        kept = self.entries.get(directory)
        if isinstance(kept, list) and len(kept) == 4 and kept[0] == now and _names(kept[1:]):
            self.visited[directory] = kept
            dirs, files, links = cast("tuple[list[str], list[str], list[str]]", tuple(kept[1:]))
        else:
            dirs, files, links = self._scan(directory)
            self.changed = True
            if trusted(stat, self.started_ns):
                self.visited[directory] = [now, dirs, files, links]
            else:
                self.untrusted = True
        listed = [(name, False) for name in dirs]
        for name in links:
            path = os.path.join(directory, name)
            self.links.append(path)
            if os.path.isdir(path):  # follows the link, as os.walk's entry.is_dir() does
                listed.append((name, True))
            elif self.wanted(name):
                files = [*files, name]
        return listed, files

    def kept_tree(self, key: object) -> object:
        """What :meth:`keep_tree` kept under ``key``, if every directory the walk listed and every other file it
        read (``.gitignore`` files, git's index) still has the signature it had: the walk would find the same. A
        walk after any change (an edit to a listed file is not one: files are not part of it) is made again."""
        tree, self.tree = self.tree, None  # what this run keeps is what it finds valid or walks again
        if not isinstance(tree, dict) or tree.get("key") != key or not isinstance(tree.get("watch"), dict):
            self.tree_changed = tree is not None
            return None
        for path, before in tree["watch"].items():
            try:
                now: str | None = signature(os.stat(path))
            except OSError:
                now = None
            if now != before:
                self.tree_changed = True
                return None
        self.tree = tree
        return tree.get("value")

    def keep_tree(self, key: object, value: object, files: list[str]) -> None:
        """Keeps ``value``, found by this run's walk from its listings and from ``files``, for :meth:`kept_tree`."""
        if self.untrusted:
            return
        watch: dict[str, object] = {d: entry[0] for d, entry in self.visited.items()}
        for path in files + self.links:
            try:
                stat = os.stat(path)
            except OSError:
                watch[path] = None
                continue
            if not trusted(stat, self.started_ns):
                return
            watch[path] = signature(stat)
        self.tree = {"key": key, "watch": watch, "value": value}
        self.tree_changed = True

    def holding(self, name: str) -> list[str]:
        """The directories listed in this run that hold a file named ``name``."""
        return [d for d, entry in self.visited.items() if name in entry[2] or name in entry[3]]  # type: ignore[operator]

    def _scan(self, directory: str) -> tuple[list[str], list[str], list[str]]:
        """(directories, wanted files, symbolic links of any kind) of ``directory``."""
        dirs: list[str] = []
        files: list[str] = []
        links: list[str] = []
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.is_symlink():
                    links.append(entry.name)
                    continue
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                if is_dir:
                    dirs.append(entry.name)
                elif self.wanted(entry.name):
                    files.append(entry.name)
        return dirs, files, links

    def save(self) -> None:
        """Keeps what this run listed (a directory no longer reached is dropped) and the walk's result."""
        if self.store is None:
            return
        if self.changed or (self.visited and len(self.visited) != len(self.entries)):
            write_entry(self.store.parent, self.store.stem, json.dumps(self.visited, separators=(",", ":")).encode())
        if self.tree_changed:
            tree = json.dumps(self.tree or {}, separators=(",", ":")).encode()
            write_entry(self.store.parent, f"{self.store.stem}.tree", tree)

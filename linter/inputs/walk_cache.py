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


def _signature_of(path: str) -> str | None:
    try:
        return signature(os.stat(path))
    except OSError:
        return None


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
    tree: object = None  # each directory's part of the last walk, and the rule files it read (see kept_walk)
    kept_rules: dict[str, object] = field(default_factory=dict)  # of the kept walk, when valid
    started_ns: int = field(default_factory=time.time_ns)
    changed: bool = False  # the listings changed
    tree_changed: bool = False
    untrusted: bool = False  # a directory changed too recently for its listing to be kept
    links: list[str] = field(default_factory=list)  # the symbolic links met (what they point to decides a walk)
    replayed: set[str] = field(default_factory=set)  # directories whose kept part of the walk was used
    complete: bool = False  # the kept walk kept every directory's part
    signatures: dict[str, str | None] = field(default_factory=dict)  # of the kept walk's directories, this run

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

    def kept_walk(self, key: object) -> dict[str, object]:
        """Each directory's part of the last walk under ``key`` (listed_walk.py), if every ignore rule file it
        depended on is unchanged (else none: the walk is made again from the listings)."""
        tree = self.tree
        if not isinstance(tree, dict) or tree.get("key") != key:
            return {}
        rules, dirs = tree.get("rules"), tree.get("dirs")
        if not isinstance(rules, dict) or not isinstance(dirs, dict):
            return {}
        for path, before in rules.items():
            if _signature_of(path) != before:
                return {}
        self.kept_rules, self.complete = rules, tree.get("complete") is True
        return dirs

    def all_unchanged(self, kept: dict[str, object]) -> bool:
        """Whether every directory of a complete kept walk has its kept signature (their signatures are taken
        once: :meth:`unchanged` uses them when one differs)."""
        if not self.complete or not kept:
            return False
        self.signatures = {directory: _signature_of(directory) for directory in kept}
        for directory, entry in kept.items():
            if type(entry) is not list or not entry or entry[0] != self.signatures[directory]:
                return False
        self.replayed.update(kept)
        return True

    def unchanged(self, directory: str, kept: dict[str, object]) -> list[object] | None:
        """``directory``'s kept part of the walk, if the directory's signature is what it was."""
        entry = kept.get(directory)
        if type(entry) is not list or len(entry) != 5 or not all(type(names) is list for names in entry[1:4]):
            return None  # (the names in it are checked where they are used)
        now = self.signatures[directory] if directory in self.signatures else _signature_of(directory)
        if now != entry[0]:
            return None
        self.replayed.add(directory)
        return entry

    def kept_signature(self, directory: str) -> str | None:
        """The signature under which a walk's part for ``directory`` can be kept: None when its listing was not
        (changed too recently) or it holds symbolic links (what they point to can change without it)."""
        entry = self.visited.get(directory)
        return None if entry is None or entry[3] else cast(str, entry[0])

    def keep_walk(
        self, key: object, found: dict[str, list[object]], rule_files: list[str], changed: bool, complete: bool
    ) -> None:
        """Keeps each directory's part of this walk, with the signatures of the ignore rule files it read; nothing
        when one of those changed too recently to be trusted."""
        rules: dict[str, str | None] = {}
        for path in rule_files:
            try:
                stat = os.stat(path)
            except OSError:
                rules[path] = None
                continue
            if not trusted(stat, self.started_ns):
                self.tree, self.tree_changed = None, True
                return
            rules[path] = signature(stat)
        if changed or rules != self.kept_rules or complete != self.complete:
            self.tree, self.tree_changed = {"key": key, "rules": rules, "dirs": found, "complete": complete}, True

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
        if self.changed or (self.visited and not self.replayed and len(self.visited) != len(self.entries)):
            # a directory whose part of the walk was replayed was not listed: its listing stays
            kept = {d: self.entries[d] for d in self.replayed if d in self.entries} if self.replayed else {}
            kept.update(self.visited)
            write_entry(self.store.parent, self.store.stem, json.dumps(kept, separators=(",", ":")).encode())
        if self.tree_changed:
            tree = json.dumps(self.tree or {}, separators=(",", ":")).encode()
            write_entry(self.store.parent, f"{self.store.stem}.tree", tree)

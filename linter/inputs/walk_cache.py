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

from infra_policy_linter.stored import write_entry

# Coarse kernel clocks tick every few milliseconds; FAT keeps modification times to two seconds.
RACY_NS = 3_000_000_000

Listing = tuple[list[tuple[str, bool]], list[str]]  # ([(directory name, is a symbolic link)], kept file names)


def signature(stat: os.stat_result) -> list[int]:
    """What changes when a file or directory changes: git's index compares the same fields."""
    return [stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_size]


def trusted(stat: os.stat_result, since_ns: int) -> bool:
    """Whether a signature taken now can be kept: the entry last changed well before ``since_ns``."""
    return max(stat.st_mtime_ns, stat.st_ctime_ns) < since_ns - RACY_NS


@dataclass
class Listings:
    """``wanted``: which file names to keep (the linter's own inputs); directories are all kept."""

    store: Path | None
    wanted: Callable[[str], bool]
    entries: dict[str, list[object]] = field(default_factory=dict)  # directory -> [*signature, dirs, files]
    visited: dict[str, list[object]] = field(default_factory=dict)  # what this run saw (the store's next content)
    started_ns: int = field(default_factory=time.time_ns)
    changed: bool = False

    @classmethod
    def load(cls, directory: Path | None, root: Path, salt: str, wanted: Callable[[str], bool]) -> Listings:
        if directory is None:
            return cls(None, wanted)
        name = hashlib.sha256(f"{root}\0{salt}".encode()).hexdigest()[:32]
        store = directory / "listings" / f"{name}.json"
        try:
            entries = json.loads(store.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            entries = {}
        return cls(store, wanted, entries if isinstance(entries, dict) else {})

    def listing(self, directory: str) -> Listing:
        """The directories (as os.walk sees them: symbolic links to directories included) and the wanted files
        (everything else os.walk lists as a file) of ``directory``; OSError as os.scandir raises it."""
        stat = os.stat(directory)
        now = signature(stat)
        kept = self.entries.get(directory)
        if isinstance(kept, list) and len(kept) == 6 and kept[:4] == now:
            dirs, files = kept[4], kept[5]
            if isinstance(dirs, list) and isinstance(files, list):
                self.visited[directory] = kept
                return [(str(d[0]), bool(d[1])) for d in dirs], [str(f) for f in files]
        found = self._scan(directory)
        self.changed = True
        if trusted(stat, self.started_ns):
            self.visited[directory] = [*now, [[d, int(link)] for d, link in found[0]], found[1]]
        return found

    def _scan(self, directory: str) -> Listing:
        dirs: list[tuple[str, bool]] = []
        files: list[str] = []
        with os.scandir(directory) as entries:
            for entry in entries:
                try:
                    is_dir = entry.is_dir()  # follows links, as os.walk does
                except OSError:
                    is_dir = False
                if is_dir:
                    dirs.append((entry.name, entry.is_symlink()))
                elif self.wanted(entry.name):
                    files.append(entry.name)
        return dirs, files

    def save(self) -> None:
        """Keeps what this run listed (a directory no longer reached is dropped)."""
        if self.store is None or (not self.changed and len(self.visited) == len(self.entries)):
            return
        data = json.dumps(self.visited, separators=(",", ":")).encode("utf-8")
        write_entry(self.store.parent, self.store.stem, data)

"""What pre-commit's scope needs from each Terraform file of a tree (the modules it calls, the files it reads),
kept between runs beside the result cache and reused while the file's size, modification time and inode stay
the same, as git's index does: one changed file in a tree of thousands then reads that file, not all of them.

Entries are JSON (never pickle), the store is written atomically and read leniently: a missing or corrupt store
is rebuilt by reading the files, so it can never change a result, only its cost."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from infra_policy_linter.inputs.module_calls import call_sources, read_paths
from infra_policy_linter.stored import write_entry


@dataclass
class FileFacts:
    store: Path | None  # None: nothing kept (--no-cache)
    entries: dict[str, list[object]] = field(default_factory=dict)  # path -> [size, mtime_ns, inode, calls, reads]
    changed: bool = False

    @classmethod
    def load(cls, directory: Path | None, top: Path, salt: str) -> FileFacts:
        """The facts kept for the tree at ``top``; ``salt`` names the code that found them (a new linter finds
        them again)."""
        if directory is None:
            return cls(None)
        name = hashlib.sha256(f"{top}\0{salt}".encode()).hexdigest()[:32]
        store = directory / "facts" / f"{name}.json"
        try:
            entries = json.loads(store.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            entries = {}
        return cls(store, entries if isinstance(entries, dict) else {})

    def of(self, path: Path) -> tuple[list[str], list[str]]:
        """(module sources as written, paths given to file()/templatefile()) of one Terraform file."""
        key = os.fspath(path)
        try:
            stat = os.stat(key)
        except OSError:
            return [], []
        signature = [stat.st_size, stat.st_mtime_ns, stat.st_ino]
        entry = self.entries.get(key)
        if isinstance(entry, list) and len(entry) == 5 and entry[:3] == signature:
            calls, reads = entry[3], entry[4]
            if isinstance(calls, list) and isinstance(reads, list):
                return [str(c) for c in calls], [str(r) for r in reads]
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = ""
        calls, reads = call_sources(text), read_paths(text)
        self.entries[key] = [*signature, calls, reads]
        self.changed = True
        return calls, reads

    def save(self) -> None:
        if self.store is None or not self.changed:
            return
        data = json.dumps(self.entries, separators=(",", ":")).encode("utf-8")
        write_entry(self.store.parent, self.store.stem, data)

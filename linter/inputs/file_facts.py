"""What pre-commit's scope needs from each Terraform file of a tree (the modules it calls, the files it reads),
kept between runs beside the result cache and reused while the file's size, modification and change times and
inode stay the same, as git's index does: one changed file in a tree of thousands then reads that file, not all of
them. A file read within the clock's granularity of its last change is read again next time (walk_cache.RACY_NS).

Entries are JSON (never pickle), the store is written atomically and read leniently: a missing or corrupt store
is rebuilt by reading the files, so it can never change a result, only its cost."""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from infra_policy_linter.inputs.module_calls import call_sources, read_paths
from infra_policy_linter.inputs.walk_cache import signature, trusted
from infra_policy_linter.stored import write_entry


@dataclass
class FileFacts:
    store: Path | None  # None: nothing kept (--no-cache)
    entries: dict[str, object] = field(default_factory=dict)  # path -> [signature, calls, reads] or signature
    changed: bool = False
    started_ns: int = field(default_factory=time.time_ns)

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

    def of(self, path: Path | str) -> tuple[list[str], list[str]]:
        """(module sources as written, paths given to file()/templatefile()) of one Terraform file."""
        key = os.fspath(path)
        try:
            stat = os.stat(key)
        except OSError:
            return [], []
        return self._found(key, stat)

    def of_module(self, directory: str, names: list[str]) -> tuple[list[str], list[str]]:
        """:meth:`of` for the files ``names`` of one directory, their calls and reads one after the other (a
        tree's thousands of files, most of them unchanged and calling nothing, in one loop)."""
        calls: list[str] = []
        reads: list[str] = []
        entries = self.entries
        for name in names:
            key = os.path.join(directory, name)
            try:
                stat = os.stat(key)
            except OSError:
                continue
            if entries.get(key) != signature(stat):
                found = self._found(key, stat)
                calls += found[0]
                reads += found[1]
        return calls, reads

    def _found(self, key: str, stat: os.stat_result) -> tuple[list[str], list[str]]:
        now = signature(stat)
        entry = self.entries.get(key)
        if entry == now:  # most files call and read nothing: kept as the signature alone
            return [], []
        if type(entry) is list and len(entry) == 3 and entry[0] == now:
            calls, reads = entry[1], entry[2]
            if type(calls) is list and type(reads) is list:
                return [str(c) for c in calls], [str(r) for r in reads]
        try:
            text = Path(key).read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = ""
        calls, reads = call_sources(text), read_paths(text)
        # A file changed within the clock's granularity of this read could change again unseen: not kept.
        if trusted(stat, self.started_ns):
            self.entries[key] = [now, calls, reads] if calls or reads else now
        else:
            self.entries.pop(key, None)
        self.changed = True
        return calls, reads

    def save(self) -> None:
        if self.store is None or not self.changed:
            return
        data = json.dumps(self.entries, separators=(",", ":")).encode("utf-8")
        write_entry(self.store.parent, self.store.stem, data)

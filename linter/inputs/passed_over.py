"""YAML and JSON files that are neither a template nor a Terraform plan, remembered between runs: a repository
holds many more of them than templates (package.json, configuration, test data), and reading each one again on
every run only to find that again was a quarter of a cached run over real repositories.

A file is passed over unread while its signature (modification and change times, inode, size: what git's index
compares, walk_cache.signature) is the one it had when it was found to be neither. What is remembered depends on
the sniff, so the store is named by the linter's code (``salt``). A file seen within walk_cache.RACY_NS of its last
change is not remembered (it could change again unseen). The store is JSON, written atomically and read leniently:
a missing or corrupt one only costs reading the files again."""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from infra_policy_linter.inputs.walk_cache import signature, trusted
from infra_policy_linter.stored import write_entry


@dataclass
class PassedOver:
    store: Path | None  # None: nothing remembered (--no-cache)
    kept: dict[str, str] = field(default_factory=dict)  # path -> signature, as earlier runs left them
    now: dict[str, str] = field(default_factory=dict)  # what this run found passed over
    looked: set[str] = field(default_factory=set)  # every path this run looked up
    started_ns: int = field(default_factory=time.time_ns)
    cwd: str = field(default_factory=os.getcwd)

    @classmethod
    def load(cls, directory: Path | None, salt: str) -> PassedOver:
        if directory is None:
            return cls(None)
        store = directory / "passed-over" / f"{hashlib.sha256(salt.encode()).hexdigest()[:32]}.json"
        try:
            kept = json.loads(store.read_bytes())
        except (OSError, ValueError):
            kept = {}
        valid = isinstance(kept, dict) and all(type(v) is str for v in kept.values())
        return cls(store, kept if valid else {})

    def _key(self, path: Path) -> str:
        """The path as the run reads it, made absolute but not tidied: ``link/../x.yaml`` is not ``x.yaml`` when
        ``link`` is a symbolic link, and the file stat'ed must be the file read."""
        return os.path.join(self.cwd, path)

    def known(self, path: Path) -> bool:
        """Whether ``path`` is a file found to be neither a template nor a plan, unchanged since."""
        if not self.kept:
            return False
        key = self._key(path)
        self.looked.add(key)
        remembered = self.kept.get(key)
        if remembered is None:
            return False
        try:
            now = signature(os.stat(key))
        except OSError:
            return False
        if now != remembered:
            return False
        self.now[key] = now
        return True

    def remember(self, path: Path) -> None:
        """``path``, just read, is neither a template nor a plan."""
        if self.store is None:
            return
        key = self._key(path)
        self.looked.add(key)
        try:
            stat = os.stat(key)
        except OSError:
            return
        if trusted(stat, self.started_ns):
            self.now[key] = signature(stat)

    def save(self) -> None:
        """Keeps what this run passed over, and what earlier runs did of the files this one did not look at (a
        pre-commit run over a few files leaves the whole tree's entries); a file looked at and not passed over
        (changed, or now a template) is dropped."""
        if self.store is None:
            return
        kept = {key: value for key, value in self.kept.items() if key not in self.looked} | self.now
        if kept != self.kept:
            write_entry(self.store.parent, self.store.stem, json.dumps(kept, separators=(",", ":")).encode())

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
    kept: dict[str, str] = field(default_factory=dict)  # absolute path -> signature, as the last run left them
    now: dict[str, str] = field(default_factory=dict)  # what this run found: the store's next content
    started_ns: int = field(default_factory=time.time_ns)

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

    def known(self, path: Path) -> bool:
        """Whether ``path`` is a file found to be neither a template nor a plan, unchanged since."""
        if not self.kept:
            return False
        key = os.path.abspath(path)
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
        key = os.path.abspath(path)
        try:
            stat = os.stat(key)
        except OSError:
            return
        if trusted(stat, self.started_ns):
            self.now[key] = signature(stat)

    def save(self) -> None:
        """Keeps what this run passed over (files no longer passed over, or no longer in the run, are dropped)."""
        if self.store is not None and self.now != self.kept:
            write_entry(self.store.parent, self.store.stem, json.dumps(self.now, separators=(",", ":")).encode())

"""Files the linter keeps between runs (results, parsed files, pre-commit's per-file facts): written atomically, so
that concurrent runs and interrupted writes are harmless; a reader that finds nothing or garbage recomputes."""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path


def write_entry(directory: Path, key: str, data: bytes) -> None:
    """``directory/key.json`` holds ``data``, written atomically (or nothing, when it cannot be written)."""
    path = directory / f"{key}.json"
    tmp = path.with_name(f".{key}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        except FileNotFoundError:
            directory.mkdir(parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)  # atomic: readers see the old entry or the new one, never half of one
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)

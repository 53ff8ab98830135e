"""Reading input files: bytes once, with the size limit, turned into text the same way for every parser."""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from infra_policy_linter.model.located import ParseError


@dataclass(frozen=True)
class Source:
    path: str  # display path
    data: bytes

    @cached_property
    def digest(self) -> str:
        """Once per file and run: a module's files are part of the key of every unit that calls it."""
        return hashlib.sha256(self.data).hexdigest()


def describe_os_error(path: Path, exc: OSError) -> str:
    if path.is_symlink() and not path.exists():
        return "broken symbolic link"
    if path.is_dir():
        return "a directory, not a file"
    return f"cannot read file: {exc.strerror or exc}"


def read_source(path: Path, shown: str, limit: int) -> Source | ParseError:
    # The operating system's calls on one descriptor, not pathlib's: a run reads thousands of files, and a cached
    # run little else (pathlib's stat, open and read took twice as long).
    try:
        # Without waiting: a FIFO named like an input would otherwise hang the run until something writes to it.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0))
        try:
            status = os.fstat(fd)
            if stat.S_ISDIR(status.st_mode):
                return ParseError(shown, None, None, "a directory, not a file")
            if not stat.S_ISREG(status.st_mode):
                return ParseError(shown, None, None, "not a regular file (a FIFO, socket or device): not read")
            size = status.st_size
            if size > limit:
                return ParseError(
                    shown, None, None, f"skipped: {size:,} bytes is over the {limit:,}-byte limit (max-file-size)"
                )
            chunks = [os.read(fd, size + 1)]
            while chunks[-1]:  # until the end of the file (a file that grew since fstat, a short read)
                chunks.append(os.read(fd, 1 << 16))
        finally:
            os.close(fd)
        return Source(shown, b"".join(chunks))
    except OSError as exc:
        return ParseError(shown, None, None, describe_os_error(path, exc))


def read_head(path: Path, size: int = 65536) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(size)
    except OSError:
        return b""


def decode(source: Source) -> str | ParseError:
    """UTF-8 with an optional BOM; CRLF and CR line endings become LF (line numbers stay the same)."""
    try:
        text = source.data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return ParseError(source.path, None, None, f"not a UTF-8 text file ({exc.reason} at byte {exc.start})")
    if "\x00" in text:
        return ParseError(source.path, None, None, "not a text file (it contains NUL bytes)")
    return text.replace("\r\n", "\n").replace("\r", "\n")

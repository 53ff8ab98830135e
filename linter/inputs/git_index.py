"""The paths git tracks, read from the index file (``.git/index``) without running git.

A tracked file is part of the repository even when a ``.gitignore`` pattern matches it, so discovery needs the
index to honour ``.gitignore`` the way git does. Format: https://git-scm.com/docs/index-format (versions 2-4).
Anything unexpected (a missing index, a split index, an unknown version) gives None: the caller then has no
tracked-file information and applies the ignore rules alone.
"""

from __future__ import annotations

from pathlib import Path

_FIXED = 40  # ctime, mtime, dev, ino, mode, uid, gid, size


def _hash_size(git_dir: Path) -> int:
    try:
        config = (git_dir / "config").read_text(encoding="utf-8", errors="replace").lower()
    except OSError:
        return 20
    return 32 if "objectformat = sha256" in config.replace("\t", " ") else 20


def read_tracked(index: Path, hash_size: int = 20) -> set[str] | None:
    try:
        data = index.read_bytes()
    except OSError:
        return None
    if len(data) < 12 or data[:4] != b"DIRC":
        return None
    version = int.from_bytes(data[4:8], "big")
    count = int.from_bytes(data[8:12], "big")
    if version not in (2, 3, 4):
        return None
    paths: set[str] = set()
    pos, previous = 12, b""
    try:
        for _ in range(count):
            start = pos
            flags = int.from_bytes(data[pos + _FIXED + hash_size : pos + _FIXED + hash_size + 2], "big")
            pos += _FIXED + hash_size + 2
            if version >= 3 and flags & 0x4000:
                pos += 2  # extended flags
            if version == 4:
                # The path is the previous one minus N trailing bytes, plus a NUL-terminated suffix.
                c = data[pos]
                pos += 1
                strip = c & 0x7F
                while c & 0x80:
                    c = data[pos]
                    pos += 1
                    strip = ((strip + 1) << 7) + (c & 0x7F)
                end = data.index(b"\0", pos)
                name = previous[: len(previous) - strip] + data[pos:end]
                pos = end + 1
            else:
                end = data.index(b"\0", pos)
                name = data[pos:end]
                pos = start + ((pos - start) + len(name) + 8) // 8 * 8
            previous = name
            paths.add(name.decode("utf-8", "surrogateescape"))
    except (IndexError, ValueError):
        return None
    return paths


def tracked_paths(git_dir: Path | None) -> set[str] | None:
    """Tracked files (POSIX paths relative to the work tree), or None when the index cannot be read."""
    if git_dir is None:
        return None
    return read_tracked(git_dir / "index", _hash_size(git_dir))

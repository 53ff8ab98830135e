"""The files a Serverless service reads with ``${file(...)}``: part of its unit (and of its cache key)."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from infra_policy_linter.inputs.discovery import display_path
from infra_policy_linter.inputs.sources import Source, read_source

# `${file(./config/${sls:stage}.yml):key}`: the literal part of a file variable's path.
_FILE_VARIABLE = re.compile(r"\$\{file\(\s*['\"]?([^)'\"$]+)['\"]?\s*\)")
_MAX_FILES = 64


def read_files(path: Path, service: Source, cwd: Path, limit: int) -> list[Source]:
    """The YAML and JSON files ``${file(...)}`` names (and those they name), relative to the service."""
    found: dict[str, Source] = {}
    pending = [(path.parent, service)]
    while pending and len(found) < _MAX_FILES:
        directory, source = pending.pop(0)
        for written in _FILE_VARIABLE.findall(source.data.decode("utf-8", "replace")):
            target = Path(posixpath.normpath((directory / written.strip()).as_posix()))
            shown = display_path(target, cwd)
            if shown in found or not target.name.endswith((".yml", ".yaml", ".json")) or not target.is_file():
                continue
            read = read_source(target, shown, limit)
            if isinstance(read, Source):
                found[shown] = read
                pending.append((path.parent, read))  # paths in included files are relative to the service
    return [found[k] for k in sorted(found)]

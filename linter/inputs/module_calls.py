"""Which Terraform modules call which: found textually before parsing, so that work can be planned.

A directory called by another directory of the scan is linted as part of its caller (its variables then come
from the call), not on its own. Registry and git modules are found through ``.terraform/modules/modules.json``,
which ``terraform init`` writes; the linter never downloads them.
"""

from __future__ import annotations

import json
import posixpath
import re
from pathlib import Path

# `source = "./x"` inside a module block: the only attribute named exactly `source` with a local path.
_LOCAL_SOURCE = re.compile(r'^\s*source\s*=\s*"(\.\.?/[^"]*)"', re.M)


def call_sources(text: str) -> list[str]:
    """The local module sources one file names, as written (``../modules/queue``)."""
    if "source" not in text:
        return []  # most files call no module: a substring test is much cheaper than the pattern
    return list(_LOCAL_SOURCE.findall(text))


def local_calls(directory: Path, texts: list[str]) -> list[Path]:
    return called_directories(directory, [source for text in texts for source in call_sources(text)])


def called_directories(directory: Path, sources: list[str]) -> list[Path]:
    """The directories module sources written in ``directory`` name, in order, once each."""
    found = []
    for source in sources:
        target = Path(posixpath.normpath(posixpath.join(directory.as_posix(), source)))
        if target not in found:
            found.append(target)
    return found


_READ = re.compile(r'\b(?:file|templatefile)\(\s*"((?:\$\{path\.module\}/)?[^"$]+)"')


def read_paths(text: str) -> list[str]:
    """Literal paths given to file() or templatefile(), as written (possibly starting with ${path.module}/)."""
    if "file(" not in text:
        return []  # as above: most files read none
    return list(dict.fromkeys(_READ.findall(text)))


def remote_modules(root: Path) -> dict[str, Path]:
    """``module.a.module.b`` -> directory, for the modules `terraform init` placed under .terraform/modules."""
    manifest = root / ".terraform" / "modules" / "modules.json"
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    out = {}
    for entry in data.get("Modules", []) if isinstance(data, dict) else []:
        key, directory = entry.get("Key"), entry.get("Dir")
        if isinstance(key, str) and key and isinstance(directory, str):
            address = ".".join(f"module.{part}" for part in key.split("."))
            out[address] = root / directory
    return out

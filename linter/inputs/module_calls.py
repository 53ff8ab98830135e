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

# `source = "./x"` inside a module block: the only attribute named exactly `source` with a local path, first on
# its line. The patterns start with a fixed word, which the regex engine finds by a fast substring scan; what must
# come before it (only blanks since the line's start, a word boundary) is checked on each candidate. The same
# patterns anchored with `^\s*` and `\b` were tried at every position: a sixth of a cached monorepo run.
_LOCAL_SOURCE = re.compile(r'source\s*=\s*"(\.\.?/[^"]*)"')


def call_sources(text: str) -> list[str]:
    """The local module sources one file names, as written (``../modules/queue``)."""
    if "source" not in text:
        return []  # most files call no module: a substring test is much cheaper than the pattern
    found = []
    at = 0
    while match := _LOCAL_SOURCE.search(text, at):
        start = match.start()
        before = text[text.rfind("\n", 0, start) + 1 : start]
        if not before or before.isspace():
            found.append(match.group(1))
            at = match.end()
        else:
            at = start + 1  # not first on its line: a later candidate may begin inside this one
    return found


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


_READ = re.compile(r'file\(\s*"((?:\$\{path\.module\}/)?[^"$]+)"')  # file( or templatefile(, see above


def read_paths(text: str) -> list[str]:
    """Literal paths given to file() or templatefile(), as written (possibly starting with ${path.module}/)."""
    if "file(" not in text:
        return []  # as above: most files read none
    found = []
    at = 0
    while match := _READ.search(text, at):
        start = match.start()
        name = start - 8 if text.startswith("template", start - 8) and start >= 8 else start
        if name and (text[name - 1].isalnum() or text[name - 1] == "_"):  # inside a longer name (`myfile(`)
            at = start + 1
            continue
        found.append(match.group(1))
        at = match.end()
    return list(dict.fromkeys(found))


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

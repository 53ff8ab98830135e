"""Work for the front ends beside Terraform and CloudFormation: Serverless Framework services and Terragrunt
configurations. Each becomes one unit with every file it reads (so that a change to any of them re-lints it)."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from infra_policy_linter.config import Config
from infra_policy_linter.inputs.discovery import Plan, display_path
from infra_policy_linter.inputs.sources import Source, read_source
from infra_policy_linter.model.entities import ParseError
from infra_policy_linter.run.analysis import Work

# `${file(./config/${sls:stage}.yml):key}`: the literal part of a file variable's path.
_FILE_VARIABLE = re.compile(r"\$\{file\(\s*['\"]?([^)'\"$]+)['\"]?\s*\)")
_MAX_FILES = 64


def serverless_works(plan: Plan, cwd: Path, config: Config, errors: list[ParseError]) -> list[Work]:
    works: list[Work] = []
    for path in plan.serverless:
        read = read_source(path, display_path(path, cwd), config.max_file_size)
        if isinstance(read, ParseError):
            errors.append(read)
            continue
        works.append(Work("serverless", read.path, (read, *_read_files(path, read, cwd, config))))
    return works


def _read_files(path: Path, service: Source, cwd: Path, config: Config) -> list[Source]:
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
            read = read_source(target, shown, config.max_file_size)
            if isinstance(read, Source):
                found[shown] = read
                pending.append((path.parent, read))  # paths in included files are relative to the service
    return [found[k] for k in sorted(found)]


def terragrunt_works(plan: Plan, cwd: Path, config: Config, errors: list[ParseError]) -> list[Work]:
    return []

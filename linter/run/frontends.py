"""Work for the front ends beside Terraform and CloudFormation: Serverless Framework services and Terragrunt
configurations. Each becomes one unit with every file it reads (so that a change to any of them re-lints it)."""

from __future__ import annotations

from pathlib import Path

from infra_policy_linter.config import Config
from infra_policy_linter.inputs.discovery import Plan, display_path
from infra_policy_linter.inputs.serverless_files import read_files
from infra_policy_linter.inputs.sources import read_source
from infra_policy_linter.model.entities import ParseError
from infra_policy_linter.run.analysis import Work


def serverless_works(plan: Plan, cwd: Path, config: Config, errors: list[ParseError]) -> list[Work]:
    works: list[Work] = []
    for path in plan.serverless:
        read = read_source(path, display_path(path, cwd), config.max_file_size)
        if isinstance(read, ParseError):
            errors.append(read)
            continue
        works.append(Work("serverless", read.path, (read, *read_files(path, read, cwd, config.max_file_size))))
    return works


def terragrunt_works(plan: Plan, cwd: Path, config: Config, errors: list[ParseError]) -> list[Work]:
    """Terragrunt configurations are found but not read yet (see the README): none becomes a unit."""
    return []

"""Work for the front ends beside Terraform and CloudFormation: Serverless Framework services and Terragrunt
configurations. Each becomes one unit with every file it reads (so that a change to any of them re-lints it)."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from pathlib import Path

from infra_policy_linter.config import Config
from infra_policy_linter.inputs.discovery import Plan, display_path
from infra_policy_linter.inputs.serverless_files import read_files
from infra_policy_linter.inputs.sources import Source, read_source
from infra_policy_linter.model.located import ParseError
from infra_policy_linter.run.work import Work


def serverless_works(plan: Plan, cwd: Path, config: Config, errors: list[ParseError]) -> list[Work]:
    works: list[Work] = []
    for path in plan.serverless:
        read = read_source(path, display_path(path, cwd), config.max_file_size)
        if isinstance(read, ParseError):
            errors.append(read)
            continue
        works.append(Work("serverless", read.path, (read, *read_files(path, read, cwd, config.max_file_size))))
    return works


def terragrunt_works(
    plan: Plan, cwd: Path, config: Config, errors: list[ParseError], module_work: Callable[[Path], Work | None]
) -> list[Work]:
    """Each terragrunt.hcl with a ``terraform { source }``: its configuration files (itself, then what it
    includes and reads), and the module its local source names, read as a root module would be."""
    if not plan.terragrunt:
        return []  # (no import of the Terragrunt reader and the HCL expression parser under it)
    from infra_policy_linter.resolve.terraform.terragrunt import Terragrunt, absolute, display, local_source

    works: list[Work] = []
    for path in plan.terragrunt:
        read: dict[str, Source] = {}

        def reading(name: str, read: dict[str, Source] = read) -> str | None:
            shown = display(name)
            if shown not in read:
                found = read_source(Path(shown), shown, config.max_file_size) if Path(shown).is_file() else None
                if not isinstance(found, Source):
                    return None
                read[shown] = found
            return read[shown].data.decode("utf-8", "replace")

        stack = Terragrunt(absolute(display_path(path, cwd)), reading)
        source, _ = stack.source()
        stack.inputs()  # reads every file the inputs need, so that they are part of the unit
        if not source:
            continue  # a parent configuration (root.hcl style): read through the configurations that include it
        own = display_path(path, cwd)
        sources = (read[own], *(read[k] for k in sorted(read) if k != own))
        directory = local_source(source, posixpath.dirname(stack.path))
        module = module_work(Path(display(directory))) if directory and Path(display(directory)).is_dir() else None
        if module is None:
            works.append(Work("terragrunt", own, sources))
            continue
        errors.extend(e for e in stack.errors if e not in errors)
        works.append(
            Work(
                "terragrunt",
                own,
                sources,
                module.tfvars,
                module.broken,
                ((module.name, module.sources), *module.modules),
                module.remote,
                module.texts,
                module.variables,
                module.absent,
            )
        )
    return works

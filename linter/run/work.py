"""What the engine hands a worker (a unit's files, read) and what it gets back (the unit's result): what the
engine, the workers and the result cache pass around, apart from the analysis that turns one into the other (a run
that the cache answers never loads the analysis)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from infra_policy_linter.findings.finding import Finding
from infra_policy_linter.findings.suppress import Suppressed
from infra_policy_linter.inputs.sources import Source
from infra_policy_linter.model.located import ParseError


@dataclass(frozen=True)
class Work:
    kind: Literal["terraform", "cloudformation", "terraform-plan", "serverless", "terragrunt"]
    name: str  # module directory or template path (display form)
    sources: tuple[Source, ...]
    tfvars: tuple[Source, ...] = ()
    broken: tuple[str, ...] = ()  # files of the module that could not even be read
    modules: tuple[tuple[str, tuple[Source, ...]], ...] = ()  # called modules: (directory, files)
    remote: tuple[tuple[str, str], ...] = ()  # module address -> directory, from .terraform/modules/modules.json
    texts: tuple[Source, ...] = ()  # files the modules read with file() / templatefile()
    variables: tuple[tuple[str, str], ...] = ()  # --var NAME=VALUE, applied after every variable file
    absent: tuple[str, ...] = ()  # files the modules name in file()/templatefile() that do not exist


@dataclass
class UnitResult:
    findings: list[Finding] = field(default_factory=list)
    suppressed: list[Suppressed] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    units: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # see infra_policy_linter.run.coverage

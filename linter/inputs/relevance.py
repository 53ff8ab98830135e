"""Which units can hold a finding at all, decided from their raw bytes before anything is parsed.

Every rule is about a Lambda function: its asynchronous destinations (invoke configs), its event source mappings,
its dead-letter target, the policies of its execution role, a module call that may create one (MOD001), or a
suppression (LNT001-LNT003) and a duplicated template key (LNT004, judged by the caller with a cheap decode). A
unit none of whose files names any of these cannot produce a finding, so it is neither parsed nor resolved: on a
monorepo of Google Cloud or networking modules that is most of the run. The test is textual and errs towards
reading: a word in a comment is enough to keep a unit, never to drop one. The rule is a function of the unit's
kind (``KEEPS``): a new front end adds its own entry; a kind without one is always read.
`tests/test_relevance.py` runs the fixtures and the generated corpus with and without this and requires the very
same findings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

# Terraform: aws_lambda_function covers aws_lambda_function_event_invoke_config (and a data source of a function);
# a function's dead_letter_config sits inside its own block.
_TERRAFORM_WORDS = (b"aws_lambda_function", b"aws_lambda_event_source_mapping", b"lint:ignore")
# CloudFormation and SAM: the resources that are or hold functions, invoke configs and mappings (a SAM function's
# DeadLetterQueue and EventInvokeConfig sit inside it), nested stacks (the child may declare any of them), and
# both forms of suppression (comments and resource Metadata).
_TEMPLATE_WORDS = (
    b"AWS::Lambda::Function",
    b"AWS::Lambda::EventInvokeConfig",
    b"AWS::Lambda::EventSourceMapping",
    b"AWS::Serverless::Function",
    b"AWS::Serverless::Application",
    b"AWS::CloudFormation::Stack",
    b"lint:ignore",
    b"infra-policy-linter",
)
# A module block's source (HCL: `source = "..."`, JSON syntax: `"source": "..."`) that is not a local path: a
# registry, git or archive module, which may create functions whether or not `terraform init` fetched it.
_SOURCE = re.compile(rb'(?:^[ \t]*source[ \t]*=|"source"\s*:)\s*"(?!\.\.?/)', re.M)
# What makes MOD001 speak for an unfollowed call in a unit without functions (rules/modules.py: the call's source
# or address, that is the module labels on the way to it and their instance keys, names Lambda), and the registry
# modules the linter models (resolve/terraform/registry_models.py).
_MAY_CREATE_FUNCTIONS = re.compile(rb"lambda|function|serverless|terraform-aws-modules/", re.I)
_MODULE_LABEL = re.compile(rb'^[ \t]*module[ \t]+"([^"]*)"', re.M)
_SOURCE_VALUE = re.compile(rb'(?:^[ \t]*source[ \t]*=|"source"\s*:)\s*"([^"]*)"', re.M)


def _terraform_keeps(files: list[bytes]) -> bool:
    if any(word in data for data in files for word in _TERRAFORM_WORDS):
        return True
    # A module that is not local may create a function: kept when anything in the unit could make it matter.
    # (A `source = "s3::..."` of another resource type is taken for a module call: that only keeps a unit.)
    if not any(_SOURCE.search(data) for data in files):
        return False
    return any(_MAY_CREATE_FUNCTIONS.search(text) for text in _call_names(files))


def _call_names(files: list[bytes]) -> list[bytes]:
    """What a module call's address and source are made of: module labels and sources; every file when an instance
    key (a module with for_each, whose keys may come from any file) or the JSON syntax may hide part of one."""
    if any(b'"module"' in data or (b"for_each" in data and _MODULE_LABEL.search(data)) for data in files):
        return files
    return [name for data in files for name in _MODULE_LABEL.findall(data) + _SOURCE_VALUE.findall(data)]


def _template_keeps(files: list[bytes]) -> bool:
    return any(word in data for data in files for word in _TEMPLATE_WORDS)


def _plan_keeps(files: list[bytes]) -> bool:
    return any(b"aws_lambda_" in data or b"lint:ignore" in data for data in files)


# Unit kind (run/analysis.py's Work.kind) -> whether a unit of that kind, given the bytes of every file it reads,
# can hold a finding.
KEEPS: dict[str, Callable[[list[bytes]], bool]] = {
    "terraform": _terraform_keeps,
    "cloudformation": _template_keeps,
    "terraform-plan": _plan_keeps,
}


def may_hold_findings(kind: str, files: Iterable[bytes]) -> bool:
    """False only when no rule can say anything about a unit of this kind made of these files."""
    keeps = KEEPS.get(kind)
    return True if keeps is None else keeps(list(files))

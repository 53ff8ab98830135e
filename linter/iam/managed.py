"""AWS managed policies: a dated snapshot of the documents Lambda execution roles commonly carry."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from infra_policy_linter.model.aws import aws_managed_policy_arn
from infra_policy_linter.model.values import Text

_MARKER = ":iam::aws:policy/"


@lru_cache(maxsize=1)
def _snapshot() -> dict[str, Any]:
    from importlib import resources  # (with tempfile and shutil: loaded when a managed policy is looked up)

    text = (
        resources.files("infra_policy_linter.iam")
        .joinpath("data/aws_managed_policies.json")
        .read_text(encoding="utf-8")
    )
    snapshot: dict[str, Any] = json.loads(text)
    return snapshot


def snapshot_date() -> str:
    return str(_snapshot()["snapshot"])


def aws_managed_path(arn: Any) -> str | None:
    """``service-role/AWSLambdaRole`` when ``arn`` is an AWS managed policy ARN (any partition), else None."""
    if isinstance(arn, Text):
        last = arn.parts[-1]
        text = last if isinstance(last, str) else ""
    elif isinstance(arn, str):
        if not arn.startswith("arn:"):
            return None
        text = arn
    else:
        return None
    if _MARKER not in text:
        return None
    return text.split(_MARKER, 1)[1]


def aws_managed_document(arn: Any) -> tuple[str, dict[str, Any]] | None:
    """(name, document) of a known AWS managed policy, or None when the snapshot does not hold it."""
    path = aws_managed_path(arn)
    if path is None:
        return None
    entry = _snapshot()["policies"].get(path.rsplit("/", 1)[-1])
    if entry is None or not entry["arn"].endswith(_MARKER + path):
        return None
    return path.rsplit("/", 1)[-1], entry["document"]


def aws_managed_arn(name: str) -> str:
    """The ARN of an AWS managed policy given by name (SAM's Policies accept names); path from the snapshot."""
    entry = _snapshot()["policies"].get(name)
    return entry["arn"] if entry else aws_managed_policy_arn(name)

"""Names a grant gives what it adds: a Terraform resource name, a policy name, both from one hint."""

from __future__ import annotations

import re


def identifier(text: str) -> str:
    """A Terraform resource name: ``worker_sqs_on_failure``."""
    return re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_").lower() or "destination"


def kebab(text: str) -> str:
    """A policy name: ``worker-sqs-on-failure``."""
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "destination"

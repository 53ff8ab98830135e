"""What a JSON file is, from its bytes alone, before anything parses it (discovery must stay cheap)."""

from __future__ import annotations


def looks_like_plan(data: bytes) -> bool:
    """A Terraform plan (``terraform show -json plan.out``)."""
    head = data[:4096]
    return (
        b'"format_version"' in head
        and b'"terraform_version"' in data
        and (b'"planned_values"' in data or b'"resource_changes"' in data)
    )

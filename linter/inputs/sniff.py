"""What a YAML or JSON file is, from its text alone, before anything parses it (discovery must stay cheap)."""

from __future__ import annotations

import re

# A cheap textual sniff deciding whether a YAML/JSON file is meant to be a template. A file that passes the sniff
# but does not decode is an error (a broken template must not pass the gate); one that fails it is skipped.
# (No optional quote before `Type`: a pattern that starts with a fixed word is found much faster, and a search for a
# match anywhere finds the same files either way.)
# Each alternative is searched on its own: a pattern that starts with a fixed word is found by a fast substring
# scan, an alternation of three is tried at every position (five times slower over serverless-patterns).
_SNIFF_PATTERNS = (r"Type[\"']?\s*:\s*[\"']?AWS::", r"Transform[\"']?\s*:\s*[\"']?AWS::Serverless")
_SNIFF = tuple(re.compile(p) for p in _SNIFF_PATTERNS)
_SNIFF_BYTES = tuple(re.compile(p.encode()) for p in _SNIFF_PATTERNS)


def looks_like_template(text: str) -> bool:
    return "AWSTemplateFormatVersion" in text or any(p.search(text) for p in _SNIFF)


def bytes_look_like_template(data: bytes) -> bool:
    """The same sniff on raw bytes (UTF-8 or any ASCII-compatible encoding), before decoding. Every alternative
    holds "AWS": most YAML and JSON files (package-lock.json, configuration) are passed over by one substring test."""
    return b"AWS" in data and (b"AWSTemplateFormatVersion" in data or any(p.search(data) for p in _SNIFF_BYTES))


def looks_like_plan(data: bytes) -> bool:
    """A Terraform plan (``terraform show -json plan.out``)."""
    head = data[:4096]
    return (
        b'"format_version"' in head
        and b'"terraform_version"' in data
        and (b'"planned_values"' in data or b'"resource_changes"' in data)
    )

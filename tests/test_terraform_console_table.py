"""Every function and operator the evaluator implements, against what ``terraform console`` (Terraform 1.11.4)
printed for the same expression: tests/data/terraform_console_1_11.json, recorded with
``jsonencode(<expression>)`` so that types survive (CI has no terraform). A row whose ``error`` is true is one
Terraform rejects: the evaluator must give a failure (what try() skips), not a value.

Where the evaluator cannot compute what Terraform computes, it must say so with an unknown, and such rows are
listed in HONEST_UNKNOWNS with the reason; every other row must match exactly (numbers by value).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra_policy_linter.model.values import Text, Unknown
from infra_policy_linter.resolve.terraform.functions import Encoded
from tests.conftest import REPO
from tests.test_terraform_functions import local

TABLE = json.loads((REPO / "tests" / "data" / "terraform_console_1_11.json").read_text())

# Terraform writes 1/3 inside a string with the 154 digits of its 512-bit float; a float64 cannot give them.
HONEST_UNKNOWNS = {'"n=${1/3}"'}


def _same(got: Any, want: Any) -> bool:
    if isinstance(want, str):  # a str, or a Written str (a literal of the local, placed where it is written)
        return isinstance(got, str) and got == want
    if isinstance(want, bool) or want is None:
        return type(got) is type(want) and got == want
    if isinstance(want, (int, float)):
        return (
            isinstance(got, (int, float)) and not isinstance(got, bool) and abs(got - want) <= 1e-12 * max(1, abs(want))
        )
    if isinstance(want, list):
        same_length = isinstance(got, list) and len(got) == len(want)
        return same_length and all(_same(g, w) for g, w in zip(got, want, strict=True))
    if isinstance(want, dict):
        return isinstance(got, dict) and got.keys() == want.keys() and all(_same(got[k], want[k]) for k in want)
    return False


def _unknown(value: Any) -> bool:
    return isinstance(value, Unknown) and not value.failed or isinstance(value, Text) and bool(value.unknowns)


@pytest.mark.parametrize("row", TABLE, ids=[r["expression"] for r in TABLE])
def test_the_evaluator_gives_what_terraform_console_gives(row: dict[str, Any]) -> None:
    got = local(row["expression"])
    if row.get("error"):
        assert isinstance(got, Unknown) and got.failed, got
    elif row["expression"] in HONEST_UNKNOWNS:
        assert _unknown(got), got
    elif isinstance(got, Encoded):
        assert _same(got.value, json.loads(row["result"])), got
    else:
        assert _same(got, row["result"]), got


def test_the_table_covers_every_function_the_evaluator_implements() -> None:
    from infra_policy_linter.resolve.terraform.functions import _FUNCTIONS

    written = " ".join(r["expression"] for r in TABLE)
    untested = {"sensitive", "nonsensitive"}  # identity functions: the console marks the value, nothing more
    assert sorted(n for n in _FUNCTIONS if f"{n}(" not in written and n not in untested) == []

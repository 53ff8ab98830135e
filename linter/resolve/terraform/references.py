"""What the expression evaluator (expressions.py) is given and what it keeps.

The evaluator reads one module instance's own declarations. Everything else an expression can name is asked of a
:class:`References` given at construction, answered by the module instance (module.py) with the functions of
attributes.py and modules.py: so evaluation never reaches into the layers that use it. Its results are kept in a
:class:`Memo`, one per module instance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from infra_policy_linter.resolve.terraform.blocks import Block, DocumentValue, Scope, ScopeKey


@dataclass(frozen=True)
class Passed:
    """The value a calling module passes for one of the module's input variables (null is a value too)."""

    value: Any


class References(Protocol):
    """What an expression may name beyond the module's own arguments, variables and locals."""

    def resource_attribute(self, block: Block, attr: str, scope: Scope) -> Any:
        """``aws_sqs_queue.q.arn``: an argument as written or an attribute AWS computes, for one instance."""
        ...

    def instances(self, block: Block) -> list[tuple[str, Scope]]:
        """(address suffix, scope) of each instance count or for_each makes of the block."""
        ...

    def module_output(self, name: str, key: Any, output: str | None) -> Any:
        """``module.<name>[key].<output>``, or an Unknown saying why the call cannot be followed."""
        ...

    def passed(self, name: str) -> Passed | None:
        """What the calling module passes for ``var.<name>``; None for a root module or an argument not set."""
        ...

    def caller_region(self) -> Any | None:
        """The calling module's default provider region (a module without a provider uses it); None at the root."""
        ...


# (block kind, type, name, argument, scope): an argument of one instance
ArgumentKey = tuple[str, str, str, str, ScopeKey]
# (data source name, scope): one aws_iam_policy_document, read once per instance
DocumentKey = tuple[str, ScopeKey]
# (block kind, type, name, scope): the attributes AWS computes for one instance of a resource
AttributesKey = tuple[str, str, str, ScopeKey]


@dataclass
class Memo:
    """One module instance's evaluated arguments, variables, locals, policy documents and computed attributes, and
    those being evaluated now: meeting one of these again while it is active is a reference cycle."""

    arguments: dict[ArgumentKey, Any] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    documents: dict[DocumentKey, DocumentValue] = field(default_factory=dict)
    attributes: dict[AttributesKey, dict[str, Any]] = field(default_factory=dict)
    active_arguments: set[ArgumentKey] = field(default_factory=set)
    active_locals: set[str] = field(default_factory=set)
    active_documents: set[DocumentKey] = field(default_factory=set)

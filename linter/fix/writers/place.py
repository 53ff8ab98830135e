"""Where a grant goes, and how it names the role and the resource there.

The grant goes in the module (or template) that declares the role, naming the resource the way that module can:
the expression it writes itself, or the module variable the ARN arrives through. When the role's module never
sees the resource, the grant goes in the caller, attached through the module's output of the role's name; when
neither can name it, a fully known ARN is written as a literal; else the fix says what the user must pass in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from infra_policy_linter.fix.writers import Grant, hcl, writer
from infra_policy_linter.model.entities import Role, Unit

Shape = Literal["arn", "objects", "key"]


@dataclass(frozen=True)
class Written:
    """The resource a grant names: as each module or template that writes it does, and its ARN when known."""

    by_directory: dict[str, str]  # module directory -> the expression that module writes
    known: str | None = None  # the ARN the grant needs, when fully known (the last resort: a literal)
    shape: Shape = "arn"  # objects: the bucket's objects (bucket/*); key: the KMS key named by the expression
    label: str = ""  # what the resource is, for words (the destination's ref)
    # Per module directory, what to write when the expression there means something only in its own block
    # (``aws_sqs_queue.dlq[each.key].arn``): the resource instance's address (``aws_sqs_queue.dlq["a"].arn``).
    instead: dict[str, str] = field(default_factory=dict)
    at: str = ""  # the file where the resource is written, for words


def function_word(label: str) -> str:
    """The function's own name, for policy names: ``worker`` of ``module.m.aws_lambda_function.worker[0]``."""
    last = label.split(".")[-1]
    return last[: -len("[0]")] if last.endswith("[0]") else last


def directory(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else "."


def _shaped(language: str, source: str, shape: Shape) -> str | None:
    w = writer(language)
    if not w.portable(source):
        return None
    if shape == "objects":
        return str(w.objects_of(source))
    if shape == "key":
        key = w.key_arn(source)
        return str(key) if key else None
    return source


def _editable(path: str) -> bool:
    """A file the user owns: not a copy ``terraform init`` downloaded (the next init overwrites it)."""
    return ".terraform/" not in f"/{path}"


def _spots(role: Role) -> list[tuple[str, str]]:
    """(file, the role's name as that file writes it): the role's own module first, then its caller."""
    spots = [(role.location.path, role.name_source)]
    if role.caller_name_source is not None:
        spots.append(role.caller_name_source)
    return [(path, source) for path, source in spots if _editable(path)]


def place(
    unit: Unit, role: Role | None, action: str, written: Written, name: str, finding_path: str
) -> Grant | str | None:
    """The grant of ``action`` on ``written`` to ``role``, or what the user must do when no file can name both."""
    if role is None or not (role.name_source or role.generated_for):
        return None
    for path, role_source in _spots(role):
        language = unit.languages.get(path, "hcl")
        resource = None
        for candidates in (written.by_directory, written.instead):
            source = candidates.get(directory(path))
            resource = resource or (_shaped(language, source, written.shape) if source else None)
        if resource is not None:
            return _grant(role, path, language, role_source, action, resource, name, finding_path)
    path = role.location.path
    language = unit.languages.get(path, "hcl")
    if not _editable(path):
        return (
            f"{role.address} is declared in a module terraform init downloaded ({directory(path)}), which the "
            f"linter does not edit: grant {action} on {written.label or 'the resource'} through the module's "
            f"inputs (its policy arguments), or attach a policy to the role's name in your own code"
        )
    if written.known is not None:
        resource = str(writer(language).literal(written.known))
        return _grant(role, path, language, role.name_source, action, resource, name, finding_path)
    return (
        f"{role.address} is declared in {directory(path)}, which does not see {written.label or 'the resource'} "
        f"(written in {written.at or 'another module'}): add a variable to that module, pass the ARN to it, and "
        f"grant {action} on that variable to the role there; or output the role's name from the module and "
        f"attach an aws_iam_role_policy in the caller"
    )


def readable(name: str, role: Role) -> str:
    """A grant named as a person would: after the function, not after a module's internal ``this`` (the
    function of ``module.worker``: worker)."""
    first, sep, rest = name.partition("-")
    calls = re.findall(r"module\.([A-Za-z0-9_-]+)", role.address)
    if first != "this" or not sep or not calls:
        return name  # a root module's `this` has no better name to borrow
    return f"{calls[-1]}-{rest}"


def serverless_statements(role: Role) -> bool:
    """A role the Serverless Framework generates: its front end records, as ``generated_for``, the dotted key of the
    serverless.yml list the statements come from (``provider.iam.role.statements``); SAM records a function's
    logical id, which has no dot."""
    return bool(role.generated_for) and "." in str(role.generated_for)


def _grant(
    role: Role, path: str, language: str, role_source: str, action: str, resource: str, name: str, finding_path: str
) -> Grant:
    name = readable(name, role)
    serverless = serverless_statements(role)
    return Grant(
        language=language,  # type: ignore[arg-type]
        path=path,
        role=role_source,
        role_label=role.address,
        name=name,
        action=action,
        resource=resource,
        role_key=role.address.rsplit("/", 1)[-1],  # a nested stack's role: Stack/Role
        role_line=role.location.line,
        sam_function=None if serverless else role.generated_for,
        statements_key=role.generated_for if serverless and role.generated_for else "",
        elsewhere=path != finding_path,
        condition=hcl.condition(role_source, resource) if language == "hcl" else "",
    )

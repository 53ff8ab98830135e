"""The ``--fix`` edit of a CloudFormation or SAM template (YAML or JSON): a new ``AWS::IAM::RolePolicy`` right after
the role, or, for a SAM function whose role SAM generates, one more item in the function's ``Policies``; in a
serverless.yml, one more statement in the list the framework copies into the role it generates."""

from __future__ import annotations

import json
from typing import Any

from infra_policy_linter.fix import json_edit
from infra_policy_linter.fix.documents import EditError, add_policy, add_resource, add_statement, edit_yaml
from infra_policy_linter.fix.merge import Merged
from infra_policy_linter.fix.writers import Grant, json_writer, yaml_writer
from infra_policy_linter.fix.writers.names import kebab


def is_json(text: str) -> bool:
    return text.lstrip().startswith("{")


def _resource_ids(text: str) -> set[str]:
    """The logical ids the template uses (read leniently: a new id only has to differ from them)."""
    from infra_policy_linter.parsers.cloudformation import Template, parse_template

    parsed = parse_template("template", text)
    if not isinstance(parsed, Template):
        raise EditError("the template cannot be read")
    resources = parsed.body.get("Resources")
    return {str(k) for k in resources} if isinstance(resources, dict) else set()


def _names(text: str, g: Grant) -> tuple[str, str]:
    """A logical id the template does not use and the policy name that goes with it (``-2`` when taken)."""
    taken = _resource_ids(text)
    base = yaml_writer.logical_id(kebab(g.name))
    logical, n = base, 1
    while logical in taken:
        n += 1
        logical = f"{base}{n}"
    return logical, kebab(g.name) + ("" if n == 1 else f"-{n}")


def _yaml_edit(text: str, g: Grant, after: str) -> tuple[Merged, str]:
    from ruamel.yaml.comments import CommentedSeq

    if g.statements_key:
        where = statements_path(g.statements_key)

        def change_list(doc: Any, load: Any) -> None:
            add_statement(doc, where, load("\n".join(yaml_writer.serverless_statement_lines(g, 0)))[0], CommentedSeq)

        return edit_yaml(text, change_list), ""
    if g.sam_function:
        function = g.sam_function

        def change(doc: Any, load: Any) -> None:
            add_policy(doc, function, load("\n".join(yaml_writer.sam_statement_lines(g, 0)))[0], CommentedSeq)

        return edit_yaml(text, change), ""
    logical, policy = _names(text, g)

    def change_role(doc: Any, load: Any) -> None:
        snippet = load("\n".join(yaml_writer.role_policy(g, logical, policy, 0)))
        add_resource(doc, g.role_key, after, logical, snippet[logical])

    return edit_yaml(text, change_role), logical


def statements_path(key: str) -> tuple[str, ...]:
    """The keys down to a serverless.yml statements list: ``functions.<key>.iamRoleStatements`` keeps a function
    key that holds a dot whole."""
    if key.startswith("functions.") and key.endswith(".iamRoleStatements"):
        return ("functions", key[len("functions.") : -len(".iamRoleStatements")], "iamRoleStatements")
    return tuple(key.split("."))


def _json_edit(text: str, g: Grant, after: str) -> tuple[Merged, str]:
    if g.sam_function:
        return json_edit.add_policy(text, g.sam_function, {"Statement": [json_writer.statement_data(g)]}), ""
    logical, policy = _names(text, g)
    body = json_writer.role_policy_data(g, policy)
    return json_edit.add_resource(text, g.role_key, after, logical, body), logical


def template_edit(text: str, g: Grant, after: str) -> tuple[Merged, str]:
    """The template's text with the grant, and the logical id of the resource it adds ("" for a SAM policy item);
    the new resource goes right after ``after`` (the role, or its last grant). Raises EditError with the reason
    when the template has no place for it."""
    try:
        return _json_edit(text, g, after) if is_json(text) else _yaml_edit(text, g, after)
    except json.JSONDecodeError as exc:
        raise EditError(f"invalid JSON: {exc}") from exc
    except EditError:
        raise
    except Exception as exc:  # a template the editors do not understand is no reason for a traceback
        raise EditError(f"{type(exc).__name__}: {exc}") from exc

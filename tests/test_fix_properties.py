"""Property: over generated templates (YAML in block and flow style with comments, and JSON) and the grants of every
rule whose fix is written, a fix never removes or changes an existing key or list item, never gives a key twice,
and adds the statement it was for."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra_policy_linter.fix import guard
from infra_policy_linter.fix.documents import EditError
from infra_policy_linter.fix.templates import template_edit
from infra_policy_linter.fix.writers import Grant
from infra_policy_linter.parsers.cloudformation import Template, parse_template

# What each rule whose fix is a grant writes: (action, more actions on the same resource).
RULE_ACTIONS = {
    "DST001": ("sqs:SendMessage", ()),
    "DST002": ("sns:Publish", ()),
    "DST005": ("kms:GenerateDataKey", ("kms:Decrypt",)),
    "ESM001": ("sqs:SendMessage", ()),
    "ESM002": ("kinesis:GetRecords", ("kinesis:GetShardIterator", "kinesis:DescribeStream")),
    "ESM003": ("kinesis:ListShards", ()),
}

MANAGED = st.sampled_from(["AWSLambdaBasicExecutionRole", "AmazonSQSFullAccess"])
TEMPLATE_POLICY = st.builds(lambda q: {"SQSSendMessagePolicy": {"QueueName": q}}, st.sampled_from(["a", "b"]))
POLICY = st.one_of(MANAGED, TEMPLATE_POLICY)
POLICIES = st.one_of(st.none(), POLICY, st.lists(POLICY, min_size=0, max_size=3))
TAGS = st.lists(st.fixed_dictionaries({"Key": st.sampled_from(["team", "app"]), "Value": st.text("xyz", max_size=3)}))


@st.composite
def templates(draw: st.DrawFn) -> dict[str, Any]:
    role_policies = draw(st.lists(st.sampled_from(["read", "write"]), unique=True, max_size=2))
    function: dict[str, Any] = {"Runtime": "python3.12", "Handler": "app.handler", "CodeUri": "src/"}
    policies = draw(POLICIES)
    if policies is not None:
        function["Policies"] = policies
    tags = draw(TAGS)
    if tags:
        function["Tags"] = {t["Key"]: t["Value"] for t in tags}
    role = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]},
            "Policies": [
                {"PolicyName": name, "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "s3:*"}]}}
                for name in role_policies
            ],
        },
    }
    resources = {"Queue": {"Type": "AWS::SQS::Queue"}, "Role": role}
    resources["Fn"] = {"Type": "AWS::Serverless::Function", "Properties": function}
    if draw(st.booleans()):
        resources["Other"] = {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "t"}}
    order = draw(st.permutations(list(resources)))
    return {"Transform": "AWS::Serverless-2016-10-31", "Resources": {k: resources[k] for k in order}}


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return json.dumps(value) if value == "" or value[:1] in "*&!{[" else str(value)


def _block(value: Any, indent: int, flow_at: set[str], key: str = "") -> list[str]:
    pad = " " * indent
    if key in flow_at or (isinstance(value, list | dict) and not value):
        return [f" {_flow(value)}"]
    if isinstance(value, dict):
        lines: list[str] = [""]
        for k, v in value.items():
            inner = _block(v, indent + 2, flow_at, k)
            lines.append(f"{pad}{k}:{inner[0]}  # about {k}" if k in ("Type", "Runtime") else f"{pad}{k}:{inner[0]}")
            lines += inner[1:]
        return lines
    if isinstance(value, list):
        lines = [""]
        for item in value:
            inner = _block(item, indent + 2, flow_at)
            first = inner[1].lstrip() if inner[0] == "" else inner[0].lstrip()
            lines.append(f"{pad}- {first}")
            lines += inner[2:] if inner[0] == "" else inner[1:]
        return lines
    return [" " + _flow(value)]


def _yaml(doc: dict[str, Any], flow_at: set[str]) -> str:
    return "# generated\n" + "\n".join(_block(doc, 0, flow_at)[1:]) + "\n"


def _grant(rule: str, language: str, sam: bool) -> Grant:
    action, extra = RULE_ACTIONS[rule]
    resource = "!GetAtt Queue.Arn" if language == "yaml" else json.dumps({"Fn::GetAtt": ["Queue", "Arn"]})
    return Grant(
        language=language,  # type: ignore[arg-type]
        path="template",
        role="!Ref Role",
        role_label="Role",
        name=f"fn-{rule.lower()}",
        action=action,
        resource=resource,
        role_key="Role",
        sam_function="Fn" if sam else None,
        extra_actions=extra,
    )


def _read(text: str) -> Any:
    parsed = parse_template("template", text)
    assert isinstance(parsed, Template), (parsed, text)
    assert parsed.duplicates == [], text
    return guard._plain(parsed.body)


# The default run tries 20 templates, the slow set (CI, -m '') the full 60.
@pytest.mark.parametrize("examples", [20, pytest.param(60, marks=pytest.mark.slow)])
def test_a_fix_never_removes_or_changes_what_was_there(examples: int) -> None:
    # Defined per call: hypothesis refuses a second settings() on one function (both counts run under -m '').
    @settings(max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        doc=templates(),
        rule=st.sampled_from(sorted(RULE_ACTIONS)),
        sam=st.booleans(),
        style=st.sampled_from(["block", "flow-policies", "flow-properties", "json", "json-compact"]),
    )
    def fix_keeps(doc: dict[str, Any], rule: str, sam: bool, style: str) -> None:
        _fix_keeps(doc, rule, sam, style)

    fix_keeps()


def _fix_keeps(doc: dict[str, Any], rule: str, sam: bool, style: str) -> None:
    if style.startswith("json"):
        text = json.dumps(doc, indent=2 if style == "json" else None) + "\n"
    else:
        text = _yaml(doc, {"flow-policies": {"Policies"}, "flow-properties": {"Properties"}}.get(style, set()))
    before = _read(text)
    language = "json" if style.startswith("json") else "yaml"
    try:
        edited, _ = template_edit(text, _grant(rule, language, sam), "Role")
    except EditError as exc:  # only a template with no place for it says so
        raise AssertionError(f"{exc}\n{text}") from exc
    after = _read(edited.text)
    assert guard.missing(before, after) is None, edited.text
    action, extra = RULE_ACTIONS[rule]
    wanted = {"Effect": "Allow", "Action": action if not extra else [action, *extra]}
    wanted["Resource"] = {"Fn::GetAtt": ["Queue", "Arn"]}
    if sam:
        assert {"Statement": [wanted]} in after["Resources"]["Fn"]["Properties"]["Policies"]
    else:
        added = [r for k, r in after["Resources"].items() if k not in before["Resources"]]
        assert [r["Properties"]["PolicyDocument"]["Statement"] for r in added] == [[wanted]]
    if not edited.touched:  # a safe fix only added lines (and separators)
        old = iter(edited.text.split("\n"))
        assert all(any(new in (line, line + ",") for new in old) for line in text.split("\n"))

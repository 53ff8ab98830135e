"""Write a drawn project as one CloudFormation template (YAML short form or JSON long form) or a SAM template."""

from __future__ import annotations

import random
import re
from typing import Any

from benchmarks.synthetic.emit import Mark, Tag, to_json, to_yaml
from benchmarks.synthetic.labels import Label
from benchmarks.synthetic.model import (
    BASIC_EXECUTION,
    Arn,
    Destination,
    Function,
    Pattern,
    Project,
    Resource,
    ResourceValue,
    Role,
    Statement,
    label_actions,
)

TYPE = {
    "sqs": "AWS::SQS::Queue",
    "sns": "AWS::SNS::Topic",
    "lambda": "AWS::Lambda::Function",
    "events": "AWS::Events::EventBus",
    "s3": "AWS::S3::Bucket",
}
SUFFIX = {"sqs": "Queue", "sns": "Topic", "lambda": "Function", "events": "Bus", "s3": "Bucket"}
NAME_PROP = {"sqs": "QueueName", "sns": "TopicName", "lambda": "FunctionName", "events": "Name", "s3": "BucketName"}
SAM_TYPE = {"sqs": "SQS", "sns": "SNS", "lambda": "Lambda", "events": "EventBridge", "s3": "S3Bucket"}
ZIP = "def handler(event, context):\n    return event\n"


def pascal(slug: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[^A-Za-z0-9]+", slug) if p)


def logical(resource: Resource) -> str:
    return pascal(resource.slug) + SUFFIX[resource.kind]


def arn(v: ResourceValue, rng: random.Random) -> Any:
    if isinstance(v, Arn):
        lid = logical(v.resource)
        if v.suffix:
            return Tag("Sub", f"${{{lid}.Arn}}{v.suffix}")
        if v.resource.kind == "sns":
            return Tag("Ref", lid) if rng.random() < 0.6 else Tag("GetAtt", f"{lid}.TopicArn")
        return Tag("GetAtt", f"{lid}.Arn")
    if isinstance(v, Pattern):
        if v.partly_known and not v.text.startswith("arn:aws:s3:"):
            head = v.text.split(":", 5)
            return Tag(
                "Sub", ":".join(["arn", "${AWS::Partition}", head[2], "${AWS::Region}", "${AWS::AccountId}"] + head[5:])
            )
        return v.text
    return v


def document(statements: list[Statement], rng: random.Random) -> dict[str, Any]:
    out = []
    for st in statements:
        entry: dict[str, Any] = {"Effect": st.effect}
        actions = list(st.actions)
        resources = [arn(r, rng) for r in st.resources]
        entry["NotAction" if st.not_actions else "Action"] = actions[0] if st.scalar and len(actions) == 1 else actions
        entry["NotResource" if st.not_resources else "Resource"] = (
            resources[0] if st.scalar and len(resources) == 1 else resources
        )
        if st.condition:
            entry["Condition"] = st.condition
        out.append(entry)
    return {"Version": "2012-10-17", "Statement": out}


def add_role(resources: dict[str, Any], role: Role, rng: random.Random) -> str:
    lid = pascal(role.slug)
    style = role.mechanism % 4
    props: dict[str, Any] = {
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": role.service}, "Action": "sts:AssumeRole"}],
        }
    }
    managed: list[Any] = list(role.managed)
    inline = []
    extra: dict[str, Any] = {}
    for p in role.policies:
        if not p.statements:
            continue
        pid = pascal(p.slug) + "Policy"
        doc = document(p.statements, rng)
        if style == 0 and not p.standalone:
            inline.append({"PolicyName": p.slug, "PolicyDocument": doc})
        elif style == 1 or (style == 0 and p.standalone):
            extra[pid] = {
                "Type": "AWS::IAM::Policy",
                "Properties": {"PolicyName": p.slug, "PolicyDocument": doc, "Roles": [Tag("Ref", lid)]},
            }
        elif style == 2:
            extra[pid] = {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {"PolicyDocument": doc, "Roles": [Tag("Ref", lid)]},
            }
        else:
            extra[pid] = {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": doc}}
            managed.append(Tag("Ref", pid))
    if managed:
        props["ManagedPolicyArns"] = managed
    if inline:
        props["Policies"] = inline
    resources[lid] = {"Type": "AWS::IAM::Role", "Properties": props}
    resources.update(extra)
    return lid


def add_destination_resource(resources: dict[str, Any], r: Resource, handlers_role: str | None) -> None:
    props: dict[str, Any] = {NAME_PROP[r.kind]: r.name}
    if r.kind == "lambda":
        props.update(
            {
                "Runtime": "python3.12",
                "Handler": "index.handler",
                "Role": Tag("GetAtt", f"{handlers_role}.Arn"),
                "Code": {"ZipFile": ZIP},
            }
        )
    resources[logical(r)] = {"Type": TYPE[r.kind], "Properties": props}


def _role(fn: Function, parameters: dict[str, Any], resources: dict[str, Any], rng: random.Random) -> Any:
    if fn.case == "unknown_role":
        parameters[f"{pascal(fn.slug)}RoleArn"] = {"Type": "String", "Description": "Role owned by the platform"}
        return Tag("Ref", f"{pascal(fn.slug)}RoleArn")
    if fn.role is not None:
        return Tag("GetAtt", f"{add_role(resources, fn.role, rng)}.Arn")
    return None  # SAM generates it


def _destination_config(fn: Function, sam: bool, parameters: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """DestinationConfig, with each Destination marked "<slug>.<when>" for its line."""
    config: dict[str, Any] = {}
    for d in fn.destinations:
        if d.when == "dead_letter":
            continue
        target = _target(fn, d, parameters, rng)
        entry: dict[str, Any] = {"Type": SAM_TYPE[d.kind]} if sam else {}
        entry["Destination"] = Mark(f"{fn.slug}.{d.when}", target)
        config["OnSuccess" if d.when == "on_success" else "OnFailure"] = entry
    return config


def _target(fn: Function, d: Destination, parameters: dict[str, Any], rng: random.Random) -> Any:
    """The destination's ARN; a parameter without default or an import when it comes from outside."""
    if d.target is not None:
        return arn(Arn(d.target), rng)
    if rng.random() < 0.5:
        param = f"{pascal(fn.slug)}{pascal(d.when)}Destination"
        parameters[param] = {"Type": "String"}
        return Tag("Ref", param)
    return Tag("ImportValue", f"shared-{fn.slug}-{d.when.replace('_', '-')}")


def _dead_letter(fn: Function, sam: bool, parameters: dict[str, Any], rng: random.Random) -> dict[str, Any] | None:
    """DeadLetterConfig (SAM: DeadLetterQueue with its Type), TargetArn marked "<slug>.dead_letter" for its line."""
    for d in fn.destinations:
        if d.when == "dead_letter":
            entry: dict[str, Any] = {"Type": SAM_TYPE[d.kind]} if sam else {}
            entry["TargetArn"] = Mark(f"{fn.slug}.{d.when}", _target(fn, d, parameters, rng))
            return entry
    return None


def _function(
    project: Project, fn: Function, role: Any, config: dict[str, Any], rng: random.Random, dead_letter: Any = None
) -> dict[str, Any]:
    """The function's resources: a SAM function with its EventInvokeConfig, or a function and an invoke config."""
    fid = pascal(fn.slug) + "Function"
    retries = rng.choice((0, 1, 2))
    name = f"{project.pid}-{fn.slug}"
    if project.fmt == "sam":
        code = {"InlineCode": ZIP} if rng.random() < 0.5 else {"CodeUri": f"s3://acme-artifacts/{fn.slug}.zip"}
        props: dict[str, Any] = {"FunctionName": name, **code}
        if role is not None:
            props["Role"] = role
        else:
            props["Policies"] = ["AWSLambdaBasicExecutionRole"]
        props["EventInvokeConfig"] = {"MaximumRetryAttempts": retries, "DestinationConfig": config}
        if dead_letter is not None:
            props["DeadLetterQueue"] = dead_letter
        return {fid: {"Type": "AWS::Serverless::Function", "Properties": props}}
    function = {
        "FunctionName": name,
        "Runtime": "python3.12",
        "Handler": "index.handler",
        "Role": role,
        "Code": {"ZipFile": ZIP},
    }
    if dead_letter is not None:
        function["DeadLetterConfig"] = dead_letter
    invoke = {
        "FunctionName": Tag("Ref", fid),
        "Qualifier": "$LATEST",
        "MaximumRetryAttempts": retries,
        "DestinationConfig": config,
    }
    return {
        fid: {"Type": "AWS::Lambda::Function", "Properties": function},
        pascal(fn.slug) + "InvokeConfig": {"Type": "AWS::Lambda::EventInvokeConfig", "Properties": invoke},
    }


def render(project: Project, rng: random.Random) -> tuple[str, str, list[Label]]:
    """(file suffix, template text, labels with the path left empty for the caller to fill in)."""
    sam = project.fmt == "sam"
    as_json = not sam and rng.random() < 0.3
    parameters: dict[str, Any] = {}
    resources: dict[str, Any] = {}
    handlers = None
    if project.handlers:
        handlers_role = Role(f"{project.pid}-handlers", "lambda.amazonaws.com", managed=[BASIC_EXECUTION])
        handlers = add_role(resources, handlers_role, rng)
    assert project.other_role is not None
    add_role(resources, project.other_role, rng)
    for r in project.resources:
        add_destination_resource(resources, r, handlers)
    for fn in project.functions:
        role = _role(fn, parameters, resources, rng)
        config = _destination_config(fn, sam, parameters, rng)
        dead_letter = _dead_letter(fn, sam, parameters, rng)
        resources.update(_function(project, fn, role, config, rng, dead_letter))
    doc: dict[str, Any] = {"AWSTemplateFormatVersion": "2010-09-09"}
    if sam:
        doc["Transform"] = "AWS::Serverless-2016-10-31"
        doc["Globals"] = {"Function": {"Runtime": "python3.12", "Handler": "index.handler", "Timeout": 30}}
    doc["Description"] = f"{project.pid}: asynchronous workers and where their results go"
    if parameters:
        doc["Parameters"] = parameters
    doc["Resources"] = resources
    text, lines = to_json(doc) if as_json else to_yaml(doc)
    labels: list[Label] = []
    for fn in project.functions:
        fid = pascal(fn.slug) + "Function"
        for d in fn.destinations:
            actions = label_actions(d)
            line = lines[f"{fn.slug}.{d.when}"]
            labels += [Label(d.rule, "", line, fid, a, d.case, d.kind, d.when) for a in actions]
        labels += [Label("IAM001", "", None, fid, typo, "typo", None, None) for typo in fn.typos]
    return ("json" if as_json else "yaml"), text, labels

"""Write a drawn project as a Terraform root module, spread over files the way people lay them out."""

from __future__ import annotations

import json
import random
import re

from benchmarks.synthetic.emit import Lines
from benchmarks.synthetic.labels import Label
from benchmarks.synthetic.model import (
    Arn,
    Function,
    Pattern,
    Policy,
    Project,
    Resource,
    ResourceValue,
    Role,
    Statement,
    label_actions,
)

TYPE = {
    "sqs": "aws_sqs_queue",
    "sns": "aws_sns_topic",
    "lambda": "aws_lambda_function",
    "events": "aws_cloudwatch_event_bus",
    "s3": "aws_s3_bucket",
}
NAME_ATTR = {"sqs": "name", "sns": "name", "lambda": "function_name", "events": "name", "s3": "bucket"}
REGION = "${data.aws_region.current.name}"
ACCOUNT = "${data.aws_caller_identity.current.account_id}"


def snake(slug: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", slug.lower()).strip("_")


def address(resource: Resource) -> str:
    return f"{TYPE[resource.kind]}.{snake(resource.slug)}"


class Module:
    """Blocks go to files by topic; the layout (one file, by topic, by function) is drawn per project."""

    def __init__(self, project: Project, rng: random.Random) -> None:
        self.project = project
        self.layout = rng.choice(("single", "topics", "topics", "per_function"))
        self.files: dict[str, Lines] = {}
        self.needs_identity = False

    def file(self, topic: str, fn: Function | None = None) -> tuple[str, Lines]:
        if self.layout == "single":
            name = "main.tf"
        elif self.layout == "per_function" and fn is not None:
            name = f"{snake(fn.slug)}.tf"
        else:
            name = {
                "iam": "iam.tf",
                "functions": "lambda.tf",
                "destinations": "destinations.tf",
                "variables": "variables.tf",
                "provider": "versions.tf",
            }[topic]
        lines = self.files.setdefault(name, Lines())
        if lines.lines:
            lines.add("")
        return name, lines


def value(v: ResourceValue) -> str:
    """A policy Resource value as an HCL expression."""
    if isinstance(v, Arn):
        ref = f"{address(v.resource)}.arn"
        return f'"${{{ref}}}{v.suffix}"' if v.suffix else ref
    if isinstance(v, Pattern):
        return json.dumps(_pattern(v))
    return json.dumps(v)


def _pattern(p: Pattern) -> str:
    if p.partly_known and not p.text.startswith("arn:aws:s3:"):
        head = p.text.split(":", 5)
        return ":".join(head[:3] + [REGION, ACCOUNT] + head[5:])
    return p.text


def interpolated(v: ResourceValue) -> str:
    """The same value inside a heredoc JSON string."""
    if isinstance(v, Arn):
        return f"${{{address(v.resource)}.arn}}{v.suffix}"
    if isinstance(v, Pattern):
        return _pattern(v)
    return v


def _hcl_list(items: list[str], scalar: bool) -> str:
    return items[0] if scalar and len(items) == 1 else "[" + ", ".join(items) + "]"


def jsonencode_policy(statements: list[Statement], indent: int) -> str:
    pad = " " * indent
    out = ["jsonencode({", f'{pad}  Version = "2012-10-17"', f"{pad}  Statement = ["]
    for st in statements:
        action_key = "NotAction" if st.not_actions else "Action"
        resource_key = "NotResource" if st.not_resources else "Resource"
        out.append(f"{pad}    {{")
        out.append(f'{pad}      Effect = "{st.effect}"')
        out.append(f"{pad}      {action_key} = {_hcl_list([json.dumps(a) for a in st.actions], st.scalar)}")
        out.append(f"{pad}      {resource_key} = {_hcl_list([value(r) for r in st.resources], st.scalar)}")
        if st.condition:
            ((test, pairs),) = st.condition.items()
            ((key, val),) = pairs.items()
            out.append(f"{pad}      Condition = {{ {test} = {{ {json.dumps(key)} = {json.dumps(val)} }} }}")
        out.append(f"{pad}    }},")
    out.append(f"{pad}  ]")
    out.append(f"{pad}}})")
    return "\n".join(out)


def heredoc_policy(statements: list[Statement]) -> str:
    doc = {"Version": "2012-10-17", "Statement": []}
    for st in statements:
        entry: dict = {"Effect": st.effect}
        actions = list(st.actions)
        resources = [interpolated(r) for r in st.resources]
        entry["NotAction" if st.not_actions else "Action"] = actions[0] if st.scalar and len(actions) == 1 else actions
        entry["NotResource" if st.not_resources else "Resource"] = (
            resources[0] if st.scalar and len(resources) == 1 else resources
        )
        if st.condition:
            entry["Condition"] = st.condition
        doc["Statement"].append(entry)
    return "<<EOF\n" + json.dumps(doc, indent=2) + "\nEOF"


def document_block(name: str, statements: list[Statement]) -> str:
    out = [f'data "aws_iam_policy_document" "{name}" {{']
    for st in statements:
        out.append("  statement {")
        if st.effect != "Allow":
            out.append(f'    effect = "{st.effect}"')
        out.append(
            f"    {'not_actions' if st.not_actions else 'actions'} = [{', '.join(json.dumps(a) for a in st.actions)}]"
        )
        out.append(
            f"    {'not_resources' if st.not_resources else 'resources'} = "
            f"[{', '.join(value(r) for r in st.resources)}]"
        )
        if st.condition:
            ((test, pairs),) = st.condition.items()
            ((key, val),) = pairs.items()
            out += [
                "    condition {",
                f'      test     = "{test}"',
                f'      variable = "{key}"',
                f"      values   = [{json.dumps(val)}]",
                "    }",
            ]
        out.append("  }")
    out.append("}")
    return "\n".join(out)


def _uses_identity(statements: list[Statement]) -> bool:
    return any(isinstance(r, Pattern) and r.partly_known for st in statements for r in st.resources)


def write_role(m: Module, role: Role, fn: Function | None, rng: random.Random) -> str:
    """The role, its policies and attachments; returns the file holding them.

    role.mechanism picks how policies reach it: 0-1 inline_policy blocks, 2-4 aws_iam_role_policy, 5 aws_iam_policy
    with attachments, 6-7 aws_iam_policy listed in managed_policy_arns. A standalone policy is always an
    aws_iam_policy.
    """
    path, out = m.file("iam", fn)
    style = role.mechanism % 8
    inline = [p for p in role.policies if not p.standalone and p.statements] if style < 2 else []
    for p in role.policies:
        m.needs_identity |= _uses_identity(p.statements)
    arns = [json.dumps(a) for a in role.managed]
    if style in (6, 7):
        arns += [f"aws_iam_policy.{snake(p.slug)}.arn" for p in role.policies if p.statements]
    _role_block(m, out, role, inline, arns if style in (6, 7) else [])
    attached = _policy_blocks(m, out, role, fn, [p for p in role.policies if p not in inline], style >= 5, rng)
    if style not in (6, 7):
        _attachments(out, role, arns + attached, style == 5)
    return path


def _role_block(m: Module, out: Lines, role: Role, inline: list[Policy], arns: list[str]) -> None:
    out.add(f'resource "aws_iam_role" "{snake(role.slug)}" {{')
    out.add(f'  name = "{m.project.pid}-{role.slug}"')
    out.add("  assume_role_policy = jsonencode({")
    out.add('    Version = "2012-10-17"')
    out.add(
        f'    Statement = [{{ Effect = "Allow", Principal = {{ Service = "{role.service}" }}, '
        'Action = "sts:AssumeRole" }]'
    )
    out.add("  })")
    for p in inline:
        out.add("  inline_policy {")
        out.add(f'    name = "{p.slug}"')
        out.add(f"    policy = {jsonencode_policy(p.statements, 4)}")
        out.add("  }")
    if arns:
        out.add(f"  managed_policy_arns = [{', '.join(arns)}]")
    out.add("}")


def _policy_blocks(
    m: Module,
    out: Lines,
    role: Role,
    fn: Function | None,
    policies: list[Policy],
    all_standalone: bool,
    rng: random.Random,
) -> list[str]:
    """aws_iam_role_policy or aws_iam_policy blocks; returns the ARNs of the latter, to attach."""
    attached = []
    for p in policies:
        if not p.statements:
            continue
        pname = snake(p.slug)
        body = _policy_expression(m, fn, pname, p, rng)
        out.add("")
        if p.standalone or all_standalone:
            out.add(f'resource "aws_iam_policy" "{pname}" {{')
            out.add(f'  name   = "{m.project.pid}-{p.slug}"')
            attached.append(f"aws_iam_policy.{pname}.arn")
        else:
            out.add(f'resource "aws_iam_role_policy" "{pname}" {{')
            out.add(f'  name   = "{p.slug}"')
            out.add(f"  role   = aws_iam_role.{snake(role.slug)}.{rng.choice(('id', 'name'))}")
        out.add(f"  policy = {body}")
        out.add("}")
    return attached


def _attachments(out: Lines, role: Role, arns: list[str], group_style: bool) -> None:
    name = snake(role.slug)
    for i, arn in enumerate(arns):
        out.add("")
        if group_style and arn.startswith("aws_iam_policy."):
            out.add(f'resource "aws_iam_policy_attachment" "{name}_{i}" {{')
            out.add(f'  name       = "{role.slug}-{i}"')
            out.add(f"  roles      = [aws_iam_role.{name}.name]")
        else:
            out.add(f'resource "aws_iam_role_policy_attachment" "{name}_{i}" {{')
            out.add(f"  role       = aws_iam_role.{name}.name")
        out.add(f"  policy_arn = {arn}")
        out.add("}")


def _policy_expression(m: Module, fn: Function | None, pname: str, p: Policy, rng: random.Random) -> str:
    how = rng.choice(("jsonencode", "heredoc", "document"))
    if how == "jsonencode":
        return jsonencode_policy(p.statements, 2)
    if how == "heredoc":
        return heredoc_policy(p.statements)
    _, out = m.file("iam", fn)
    # the data source sits in the role's file, just above the policy that refers to it
    out.add(document_block(pname, p.statements))
    return f"data.aws_iam_policy_document.{pname}.json"


def write_destination_resource(m: Module, resource: Resource, handlers_role: str | None) -> None:
    _, out = m.file("destinations")
    out.add(f'resource "{TYPE[resource.kind]}" "{snake(resource.slug)}" {{')
    out.add(f'  {NAME_ATTR[resource.kind]} = "{resource.name}"')
    if resource.kind == "lambda":
        out.add(f"  role          = aws_iam_role.{handlers_role}.arn")
        out.add('  handler       = "index.handler"')
        out.add('  runtime       = "python3.12"')
        out.add(f'  filename      = "{resource.slug}.zip"')
    out.add("}")


def write_function(m: Module, fn: Function, rng: random.Random) -> tuple[str, dict[str, int]]:
    """The function (with its dead-letter target) and its invoke config; returns the file and the line of each
    destination."""
    name = snake(fn.slug)
    for d in fn.destinations:
        if d.target is None:  # declared first: in the one-file layout the variables file is the function's file
            _, variables = m.file("variables", fn)
            variables.add(f'variable "{name}_{d.when}_destination" {{')
            variables.add("  type = string")
            variables.add("}")
    path, out = m.file("functions", fn)
    if fn.case == "unknown_role":
        _, variables = m.file("variables", fn)
        variables.add(f'variable "{name}_role_arn" {{')
        variables.add("  type        = string")
        variables.add('  description = "Execution role managed by the platform team"')
        variables.add("}")
        role = f"var.{name}_role_arn"
    else:
        assert fn.role is not None
        role = f"aws_iam_role.{snake(fn.role.slug)}.arn"
    out.add(f'resource "aws_lambda_function" "{name}" {{')
    out.add(f'  function_name = "{m.project.pid}-{fn.slug}"')
    out.add(f"  role          = {role}")
    out.add('  handler       = "app.handler"')
    out.add(f'  runtime       = "{rng.choice(("python3.12", "nodejs20.x"))}"')
    out.add(f'  filename      = "build/{fn.slug}.zip"')
    lines: dict[str, int] = {}
    for d in fn.destinations:
        if d.when == "dead_letter":
            out.add("")
            out.add("  dead_letter_config {")
            target = f"var.{name}_dead_letter_destination" if d.target is None else f"{address(d.target)}.arn"
            out.add(f"    target_arn = {target}", mark=d.when)
            lines[d.when] = out.marks[d.when]
            out.add("  }")
    out.add("}")
    out.add("")
    out.add(f'resource "aws_lambda_function_event_invoke_config" "{name}" {{')
    out.add(f"  function_name          = aws_lambda_function.{name}.function_name")
    out.add(f"  maximum_retry_attempts = {rng.choice((0, 1, 2))}")
    out.add("")
    out.add("  destination_config {")
    for d in fn.destinations:
        if d.when == "dead_letter":
            continue
        out.add(f"    {d.when} {{")
        if d.target is None:
            out.add(f"      destination = var.{name}_{d.when}_destination", mark=d.when)
        else:
            out.add(f"      destination = {address(d.target)}.arn", mark=d.when)
        lines[d.when] = out.marks[d.when]
        out.add("    }")
    out.add("  }")
    out.add("}")
    return path, lines


def render(project: Project, rng: random.Random) -> tuple[dict[str, str], list[Label]]:
    """{file name: text} for the module and the labels (paths relative to the module directory)."""
    m = Module(project, rng)
    _, provider = m.file("provider")
    provider.add(
        'terraform {\n  required_providers {\n    aws = {\n      source  = "hashicorp/aws"\n'
        '      version = "~> 5.0"\n    }\n  }\n}\n'
    )
    provider.add(f'provider "aws" {{\n  region = "{project.region}"\n}}')
    labels: list[Label] = []
    policy_files: dict[str, str] = {}
    for fn in project.functions:
        if fn.role is not None and fn.case != "unknown_role":
            policy_files[fn.slug] = write_role(m, fn.role, fn, rng)
    handlers = None
    if project.handlers:
        handlers_role = Role(
            f"{project.pid}-handlers",
            "lambda.amazonaws.com",
            managed=["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"],
        )
        write_role(m, handlers_role, None, rng)
        handlers = snake(handlers_role.slug)
    assert project.other_role is not None
    write_role(m, project.other_role, None, rng)
    for resource in project.resources:
        write_destination_resource(m, resource, handlers)
    for fn in project.functions:
        path, lines = write_function(m, fn, rng)
        labels.extend(_labels(fn, f"aws_lambda_function.{snake(fn.slug)}", path, lines, policy_files.get(fn.slug)))
    if m.needs_identity:
        _, provider = m.file("provider")
        provider.add('data "aws_region" "current" {}\n\ndata "aws_caller_identity" "current" {}')
    return {name: lines.text() for name, lines in m.files.items()}, labels


def _labels(fn: Function, function: str, path: str, lines: dict[str, int], policy_file: str | None) -> list[Label]:
    labels = []
    for d in fn.destinations:
        actions = label_actions(d)
        for action in actions:
            labels.append(Label(d.rule, path, lines[d.when], function, action, d.case, d.kind, d.when))
    for typo in fn.typos:
        assert policy_file is not None
        labels.append(Label("IAM001", policy_file, None, function, typo, "typo", None, None))
    return labels

"""Fixes written in the file's own language: a statement granting exactly one action on exactly one resource."""

from __future__ import annotations

import json
import re

from infra_policy_linter.model import Language


def _identifier(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_").lower() or "destination"


def _kebab(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "destination"


def sam_policies_fix(language: Language, function: str, action: str, resource_source: str) -> str:
    """A statement for a SAM function's ``Policies``: SAM puts it on the role it generates."""
    if language == "yaml":
        return (
            f"# add under Properties.Policies of {function}\n"
            f"- Statement:\n"
            f"    - Effect: Allow\n"
            f"      Action: {action}\n"
            f"      Resource: {resource_source}"
        )
    resource = json.loads(resource_source) if resource_source.startswith(("{", "[", '"')) else resource_source
    snippet = {"Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}
    return f"// add to Properties.Policies of {function}\n" + json.dumps(snippet, indent=2)


def grant_fix(
    language: Language, role_source: str, role_label: str, name_hint: str, action: str, resource_source: str
) -> str:
    """A snippet that grants ``action`` on the resource written as ``resource_source`` to the role.

    ``role_source`` is how the role's name is written in that language (``aws_iam_role.r.name``, ``!Ref Role``
    or ``{"Ref": "Role"}``); ``resource_source`` likewise for the resource.
    """
    if language == "cdk":
        return cdk_grant(role_source, action, resource_source)
    if language == "hcl":
        return (
            f'resource "aws_iam_role_policy" "{_identifier(name_hint)}" {{\n'
            f'  name = "{_kebab(name_hint)}"\n'
            f"  role = {role_source}\n"
            f"  policy = jsonencode({{\n"
            f'    Version = "2012-10-17"\n'
            f"    Statement = [{{\n"
            f'      Effect   = "Allow"\n'
            f'      Action   = "{action}"\n'
            f"      Resource = {resource_source}\n"
            f"    }}]\n"
            f"  }})\n"
            f"}}"
        )
    if language == "yaml":
        return (
            f"# add under Properties.Policies of {role_label}\n"
            f"- PolicyName: {_kebab(name_hint)}\n"
            f"  PolicyDocument:\n"
            f'    Version: "2012-10-17"\n'
            f"    Statement:\n"
            f"      - Effect: Allow\n"
            f"        Action: {action}\n"
            f"        Resource: {resource_source}"
        )
    resource = json.loads(resource_source) if resource_source.startswith(("{", "[", '"')) else resource_source
    snippet = {
        "PolicyName": _kebab(name_hint),
        "PolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}],
        },
    }
    return f"// add to Properties.Policies of {role_label}\n" + json.dumps(snippet, indent=2)


# The CDK grant method that covers an action, per service (aws-cdk-lib's grant* methods).
_CDK_GRANTS = {
    "sqs:SendMessage": "grantSendMessages",
    "sns:Publish": "grantPublish",
    "events:PutEvents": "grantPutEventsTo",
    "lambda:InvokeFunction": "grantInvoke",
    "s3:PutObject": "grantPut",
    "s3:ListBucket": "grantRead",
    "sqs:ReceiveMessage": "grantConsumeMessages",
    "sqs:DeleteMessage": "grantConsumeMessages",
    "sqs:GetQueueAttributes": "grantConsumeMessages",
    "kinesis:GetRecords": "grantRead",
    "kinesis:GetShardIterator": "grantRead",
    "kinesis:DescribeStream": "grantRead",
    "kinesis:ListShards": "grantRead",
    "dynamodb:GetRecords": "grantStreamRead",
    "dynamodb:GetShardIterator": "grantStreamRead",
    "dynamodb:DescribeStream": "grantStreamRead",
    "dynamodb:ListStreams": "grantStreamRead",
    "kms:GenerateDataKey": "grantEncryptDecrypt",
    "kms:Decrypt": "grantEncryptDecrypt",
    "kms:Encrypt": "grantEncryptDecrypt",
}


def _construct_variable(path: str) -> str:
    last = path.rstrip("/").rsplit("/", 1)[-1]
    words = re.findall(r"[A-Za-z0-9]+", last) or ["construct"]
    name = words[0][:1].lower() + words[0][1:] + "".join(w[:1].upper() + w[1:] for w in words[1:])
    return name if not name[:1].isdigit() else "c" + name


def cdk_grant(grantee_path: str, action: str, resource_source: str) -> str:
    """The grant call in the CDK app: the synthesized template is generated, editing it fixes nothing."""
    target = resource_source
    if target.startswith("{"):  # wrapped for s3:PutObject on bucket/* by the caller: the bucket itself
        try:
            parts = json.loads(target)["Fn::Join"][1]
            target = parts[0] if isinstance(parts[0], str) else target
        except (ValueError, KeyError, IndexError, TypeError):
            pass
    method = _CDK_GRANTS.get(action)
    fn = _construct_variable(grantee_path) if grantee_path else "fn"
    if method is None or target.startswith(("{", '"', "[")) or not grantee_path:
        return (
            f"// in the CDK app (cdk.out is generated): allow {action} on {target.strip(chr(34))} to the role "
            f"of {grantee_path or 'the function'}\n"
            f"{fn}.addToRolePolicy(new iam.PolicyStatement({{ actions: ['{action}'], resources: [...] }}));"
        )
    return (
        f"// in the CDK app (cdk.out is generated): {target} grants {grantee_path or 'the function'}\n"
        f"{_construct_variable(target)}.{method}({fn});"
    )


def object_resource_source(language: str, source: str) -> str:
    """A bucket's ARN as written, turned into its objects' ARN (``bucket/*``) in the same language."""
    if language == "hcl":
        inner = source[1:-1] if source.startswith('"') else "${" + source + "}"
        return f'"{inner}/*"'
    if language == "yaml":
        if source.startswith("!GetAtt "):
            return f'!Sub "${{{source[len("!GetAtt ") :]}}}/*"'
        return f'!Join ["", [{source}, "/*"]]'
    value = json.loads(source) if source.startswith(("{", '"')) else source
    return json.dumps({"Fn::Join": ["", [value, "/*"]]})


def key_source(language: str, written: str, key_text: str) -> str:
    """The key's ARN written in the file's language, for a grant (``key_text``: its value, when not written)."""
    return _key_arn_source(language, written) or literal_source(language, key_text)


def literal_source(language: str, text: str) -> str:
    """A literal string in the file's language."""
    plain_yaml = language == "yaml" and not text.startswith(("*", "&", "!", "{", "[", "<", "'", '"', "%", "@"))
    return text if plain_yaml else json.dumps(text)


def _key_arn_source(language: str, source: str) -> str | None:
    """The key written as an ARN in the file's language, from how the destination names the key."""
    if not source:
        return None
    if language == "hcl":
        for suffix in (".key_id", ".id"):
            if source.startswith("aws_kms_key.") and source.endswith(suffix):
                return source[: -len(suffix)] + ".arn"
        return source if source.startswith(("aws_kms_key.", '"arn:')) else None
    if language == "yaml" and source.startswith("!Ref "):
        return f"!GetAtt {source[len('!Ref ') :]}.Arn"
    if language == "json" and source.startswith('{"Ref": '):
        return json.dumps({"Fn::GetAtt": [json.loads(source)["Ref"], "Arn"]})
    return source if "arn:" in source or "Arn" in source else None

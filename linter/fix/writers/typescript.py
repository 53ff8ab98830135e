"""CDK fix text (TypeScript): the synthesized template is generated, so the grant goes in the app, as a call."""

from __future__ import annotations

import json
import re

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
    words: list[str] = re.findall(r"[A-Za-z0-9]+", last) or ["construct"]
    name = words[0][:1].lower() + words[0][1:] + "".join(w[:1].upper() + w[1:] for w in words[1:])
    return name if not name[:1].isdigit() else "c" + name


def cdk_grant(grantee_path: str, actions: tuple[str, ...], resource_source: str) -> str:
    """The grant call in the CDK app: the synthesized template is generated, editing it fixes nothing."""
    target = resource_source
    if target.startswith("{"):  # wrapped for s3:PutObject on bucket/* by the caller: the bucket itself
        try:
            parts = json.loads(target)["Fn::Join"][1]
            target = parts[0] if isinstance(parts[0], str) else target
        except (ValueError, KeyError, IndexError, TypeError):
            pass
    action = ", ".join(actions)
    listed = ", ".join(f"'{a}'" for a in actions)
    method = _CDK_GRANTS.get(actions[0]) if len(actions) == 1 else None
    fn = _construct_variable(grantee_path) if grantee_path else "fn"
    if method is None or target.startswith(("{", '"', "[")) or not grantee_path:
        return (
            f"// in the CDK app (cdk.out is generated): allow {action} on {target.strip(chr(34))} to the role "
            f"of {grantee_path or 'the function'}\n"
            f"{fn}.addToRolePolicy(new iam.PolicyStatement({{ actions: [{listed}], resources: [...] }}));"
        )
    return (
        f"// in the CDK app (cdk.out is generated): {target} grants {grantee_path or 'the function'}\n"
        f"{_construct_variable(target)}.{method}({fn});"
    )

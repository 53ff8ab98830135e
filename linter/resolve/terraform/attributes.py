"""Resource and data source attributes in Terraform: the names, ARNs, ids and URLs AWS computes from a resource's
arguments (its name, the provider's region, the account), the data sources the linter answers itself
(caller identity, region, partition, policy documents, AWS managed policies), and arguments as written. Plain
functions over a module instance's evaluator; the module answers the evaluator's references with them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from infra_policy_linter.iam.managed import aws_managed_arn, aws_managed_document
from infra_policy_linter.model import aws
from infra_policy_linter.model.values import Unknown, generated_name, make_text, plain
from infra_policy_linter.resolve.terraform.blocks import META_KEYS, Block, Scope, instance_suffix, scope_key
from infra_policy_linter.resolve.terraform.expressions import Evaluator
from infra_policy_linter.resolve.terraform.policies import policy_document
from infra_policy_linter.resolve.terraform.references import DocumentKey

# How the name of a resource of each type is found: the argument that sets it, or the one Terraform generates.
_NameOf = Callable[[Evaluator, Block, Scope], Any]


def _name_arg(*keys: str, prefix_key: str | None = None) -> _NameOf:
    def get(ev: Evaluator, block: Block, scope: Scope) -> Any:
        for key in keys:
            if key in block.body:
                return ev.argument(block, key, scope)
        generated = generated_name(block.address + instance_suffix(scope), "Terraform")
        if prefix_key and prefix_key in block.body:
            return make_text([ev.argument(block, prefix_key, scope), generated])
        return generated

    return get


_NAMES: dict[str, _NameOf] = {
    "aws_kms_key": lambda ev, block, scope: Unknown(
        f"{block.address}{instance_suffix(scope)}.key_id",
        f"the key id AWS KMS generates for {block.address}",
        atom=True,
    ),
    "aws_kms_alias": _name_arg("name", prefix_key="name_prefix"),
    "aws_kinesis_stream": _name_arg("name"),
    "aws_kinesis_stream_consumer": _name_arg("name"),
    "aws_dynamodb_table": _name_arg("name"),
    "aws_msk_cluster": _name_arg("cluster_name"),
    "aws_msk_serverless_cluster": _name_arg("cluster_name"),
    "aws_sqs_queue": _name_arg("name", prefix_key="name_prefix"),
    "aws_sns_topic": _name_arg("name", prefix_key="name_prefix"),
    "aws_lambda_function": _name_arg("function_name"),
    "aws_cloudwatch_event_bus": _name_arg("name"),
    "aws_s3_bucket": _name_arg("bucket", prefix_key="bucket_prefix"),
    "aws_iam_role": _name_arg("name", prefix_key="name_prefix"),
    "aws_iam_policy": _name_arg("name", prefix_key="name_prefix"),
    "aws_lambda_alias": _name_arg("name"),
}


# Resources whose ARN has no formula here (AWS puts a generated id in it), by the service the ARN names: the ARN
# stays unknown, but an event source mapping that reads it through a module variable still knows what it reads.
_ARN_SERVICES = {"aws_mq_broker": "mq", "aws_docdb_cluster": "rds"}


def resource_attribute(ev: Evaluator, block: Block, attr: str, scope: Scope) -> Any:
    """The attribute ``attr`` of one instance of a resource or data source, as references read it."""
    rtype = block.type
    if block.kind == "data":
        special = _data_attribute(ev, block, attr, scope)
        if special is not None:
            return special
    name_of = _NAMES.get(rtype)
    if name_of is not None:
        computed = _computed(ev, block, attr, scope, name_of)
        if computed is not None:
            return computed
    if attr in block.body and attr not in META_KEYS:
        return ev.argument(block, attr, scope)
    return Unknown(
        f"{block.address}.{attr}",
        f"{block.address}.{attr}, known only after apply",
        present=True,
        service=_ARN_SERVICES.get(block.type) if attr == "arn" else None,
    )


def _computed(ev: Evaluator, block: Block, attr: str, scope: Scope, name_of: _NameOf) -> Any:
    rtype = block.type
    if block.kind == "data" and rtype == "aws_iam_policy" and attr == "arn" and "arn" in block.body:
        return ev.argument(block, "arn", scope)
    table = _attribute_table(ev, block, scope, name_of)
    return table.get(attr) if table is not None else None


def _attribute_table(ev: Evaluator, block: Block, scope: Scope, name_of: _NameOf) -> dict[str, Any] | None:
    """Every attribute AWS computes for one instance, computed once per module instance (each reference to the
    resource asks for one of them). A table made while a reference cycle was met is not kept: it holds what stood
    in for the cycle, which a later read would not meet."""
    key = (block.kind, block.type, block.name, scope_key(scope))
    tables = ev.memo.attributes
    if key in tables:
        return tables[key]
    cycles = ev.library.cycles_met
    name = name_of(ev, block, scope)
    reg = ev.provider_region(block)
    acct = ev.env.account()
    formulas = _ATTRIBUTES.get(block.type)
    table = formulas(ev, block, scope, name, reg, acct) if formulas else None
    if table is not None and ev.library.cycles_met == cycles:
        tables[key] = table
    return table


def _data_attribute(ev: Evaluator, block: Block, attr: str, scope: Scope) -> Any:
    rtype = block.type
    if rtype == "aws_caller_identity" and attr in ("account_id", "id"):
        return ev.env.account()
    if rtype == "aws_region" and attr in ("name", "id", "region"):
        return ev.provider_region(block)
    if rtype == "aws_iam_policy" and attr == "policy":
        # An AWS managed policy looked up by ARN or name: its document is in the linter's snapshot.
        arn = ev.argument(block, "arn", scope) if "arn" in block.body else None
        if arn is None and "name" in block.body:
            name = plain(ev.argument(block, "name", scope))
            arn = aws_managed_arn(name) if name else None
        found = aws_managed_document(arn) if arn is not None else None
        return found[1] if found else None
    if rtype == "aws_partition" and attr == "partition":
        return aws.PARTITION
    if rtype == "aws_partition" and attr == "dns_suffix":
        return aws.URL_SUFFIX
    if rtype == "aws_iam_policy_document" and attr in ("json", "minified_json"):
        key: DocumentKey = (block.name, scope_key(scope))
        memo = ev.memo
        if key not in memo.documents:
            if key in memo.active_documents:
                ev.library.cycles_met += 1
                return Unknown(block.address, f"{block.address} refers to itself")
            memo.active_documents.add(key)
            try:
                memo.documents[key] = policy_document(ev, block, scope)
            finally:
                memo.active_documents.discard(key)
        return memo.documents[key]
    return None


# The attributes AWS computes for a resource of each type: (evaluator, block, scope, name, region, account) -> table.
_Formulas = Callable[[Evaluator, Block, Scope, Any, Any, Any], dict[str, Any]]


def _queue(ev: Evaluator, block: Block, scope: Scope, name: Any, reg: Any, acct: Any) -> dict[str, Any]:
    url = aws.queue_url(reg, acct, name)
    return {"name": name, "arn": aws.queue_arn(reg, acct, name), "id": url, "url": url}


def _topic(ev: Evaluator, block: Block, scope: Scope, name: Any, reg: Any, acct: Any) -> dict[str, Any]:
    arn = aws.topic_arn(reg, acct, name)
    return {"name": name, "arn": arn, "id": arn}


def _function(ev: Evaluator, block: Block, scope: Scope, name: Any, reg: Any, acct: Any) -> dict[str, Any]:
    version = Unknown(f"{block.address}.version", f"the version {block.address} publishes")
    return {
        "function_name": name,
        "id": name,
        "arn": aws.function_arn(reg, acct, name),
        "qualified_arn": aws.function_arn(reg, acct, name, version),
    }


def _alias(ev: Evaluator, block: Block, scope: Scope, name: Any, reg: Any, acct: Any) -> dict[str, Any]:
    fn = aws.function_name_of(ev.argument(block, "function_name", scope))
    return {"name": name, "arn": aws.function_arn(reg, acct, fn, name)}


def _event_bus(ev: Evaluator, block: Block, scope: Scope, name: Any, reg: Any, acct: Any) -> dict[str, Any]:
    return {"name": name, "id": name, "arn": aws.event_bus_arn(reg, acct, name)}


def _bucket(ev: Evaluator, block: Block, scope: Scope, name: Any, reg: Any, acct: Any) -> dict[str, Any]:
    return {"bucket": name, "id": name, "arn": aws.bucket_arn(name)}


def _stream(ev: Evaluator, block: Block, scope: Scope, name: Any, reg: Any, acct: Any) -> dict[str, Any]:
    arn = aws.kinesis_stream_arn(reg, acct, name)
    return {"name": name, "id": arn, "arn": arn}


def _consumer(ev: Evaluator, block: Block, scope: Scope, name: Any, reg: Any, acct: Any) -> dict[str, Any]:
    stream = ev.argument(block, "stream_arn", scope)
    created = Unknown(f"{block.address}.creation_timestamp", f"the time AWS registers {block.address}", atom=True)
    arn = aws.stream_consumer_arn(stream, name, created)
    return {"name": name, "arn": arn, "id": arn, "stream_arn": stream}


def _table(ev: Evaluator, block: Block, scope: Scope, name: Any, reg: Any, acct: Any) -> dict[str, Any]:
    label = Unknown(f"{block.address}.stream_label", f"the stream label of {block.address}", atom=True)
    return {
        "name": name,
        "id": name,
        "arn": aws.dynamodb_table_arn(reg, acct, name),
        "stream_arn": aws.dynamodb_stream_arn(reg, acct, name, label),
        "stream_label": label,
    }


def _cluster(ev: Evaluator, block: Block, scope: Scope, name: Any, reg: Any, acct: Any) -> dict[str, Any]:
    uuid = Unknown(f"{block.address}.uuid", f"the id AWS gives {block.address}", atom=True)
    arn = aws.msk_cluster_arn(reg, acct, name, uuid)
    return {"cluster_name": name, "arn": arn, "id": arn}


def _key(ev: Evaluator, block: Block, scope: Scope, name: Any, reg: Any, acct: Any) -> dict[str, Any]:
    return {"id": name, "key_id": name, "arn": aws.key_arn(reg, acct, name)}


def _key_alias(ev: Evaluator, block: Block, scope: Scope, name: Any, reg: Any, acct: Any) -> dict[str, Any]:
    target = ev.argument(block, "target_key_id", scope) if "target_key_id" in block.body else None
    return {
        "name": name,
        "id": name,
        "arn": aws.key_alias_arn(reg, acct, name),
        "target_key_id": target,
        "target_key_arn": aws.kms_key_arn(target, reg, acct) if target is not None else None,
    }


def _role(ev: Evaluator, block: Block, scope: Scope, name: Any, reg: Any, acct: Any) -> dict[str, Any]:
    path = ev.argument(block, "path", scope) if "path" in block.body else "/"
    return {"name": name, "arn": aws.role_arn(acct, path, name), "id": name}


def _policy(ev: Evaluator, block: Block, scope: Scope, name: Any, reg: Any, acct: Any) -> dict[str, Any]:
    path = ev.argument(block, "path", scope) if "path" in block.body else "/"
    arn = aws.managed_policy_arn(acct, path, name)
    return {"name": name, "arn": arn, "id": arn}


_ATTRIBUTES: dict[str, _Formulas] = {
    "aws_sqs_queue": _queue,
    "aws_sns_topic": _topic,
    "aws_lambda_function": _function,
    "aws_lambda_alias": _alias,
    "aws_cloudwatch_event_bus": _event_bus,
    "aws_s3_bucket": _bucket,
    "aws_kinesis_stream": _stream,
    "aws_kinesis_stream_consumer": _consumer,
    "aws_dynamodb_table": _table,
    "aws_msk_cluster": _cluster,
    "aws_msk_serverless_cluster": _cluster,
    "aws_kms_key": _key,
    "aws_kms_alias": _key_alias,
    "aws_iam_role": _role,
    "aws_iam_policy": _policy,
}

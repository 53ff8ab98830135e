"""The resources that destinations and event sources name in Terraform: which resource it is (a direct
reference, a value passed down from the calling module, or the one resource whose ARN it is), whether it is FIFO,
and the customer managed key that encrypts it. Plain functions over a module instance (module.py): they walk to
its callers and the modules it calls."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from infra_policy_linter.iam.match import identity, same
from infra_policy_linter.model import aws
from infra_policy_linter.model.entities import Destination, EventSourceMapping
from infra_policy_linter.model.located import Location
from infra_policy_linter.model.values import Text, Unknown, plain
from infra_policy_linter.parsers.hcl_expressions import HclExpressionError
from infra_policy_linter.parsers.hcl_nodes import Index, Ref
from infra_policy_linter.parsers.terraform import find_attribute
from infra_policy_linter.resolve.terraform.attributes import resource_attribute
from infra_policy_linter.resolve.terraform.blocks import Block, Nested, Scope, attribute_location, hcl_source, step_attr
from infra_policy_linter.resolve.terraform.expressions import Evaluator

if TYPE_CHECKING:
    from infra_policy_linter.resolve.terraform.module import TerraformModule

DESTINATION_TYPES = (
    "aws_sqs_queue",
    "aws_sns_topic",
    "aws_lambda_function",
    "aws_cloudwatch_event_bus",
    "aws_s3_bucket",
)

# Resource types an event source mapping reads: (service, MSK cluster type).
_SOURCE_TYPES: dict[str, tuple[str, str | None]] = {
    "aws_sqs_queue": ("sqs", None),
    "aws_kinesis_stream": ("kinesis", None),
    "aws_dynamodb_table": ("dynamodb", None),
    "aws_msk_cluster": ("kafka", "provisioned"),
    "aws_msk_serverless_cluster": ("kafka", "serverless"),
    "aws_mq_broker": ("mq", None),
    "aws_docdb_cluster": ("rds", None),
}


def source_facts(module: TerraformModule, mapping: EventSourceMapping, address: str | None) -> None:
    """Service, MSK cluster type and customer managed key of the source resource, when it is defined here."""
    ev = module.evaluator
    block = module.declarations.block_at(address)
    if block is None or block.kind != "resource" or block.type not in _SOURCE_TYPES:
        return
    mapping.source_service, mapping.source_variant = _SOURCE_TYPES[block.type]
    raw_key = None
    if block.type == "aws_sqs_queue":
        raw_key = block.body.get("kms_master_key_id")
    elif block.type == "aws_kinesis_stream":
        if plain(ev.argument(block, "encryption_type", Scope())) == "KMS":
            raw_key = block.body.get("kms_key_id")
    elif block.type == "aws_dynamodb_table":
        for sse in block.body.get("server_side_encryption", []) or []:
            if isinstance(sse, dict) and ev.evaluate_raw(sse.get("enabled")) is True:
                raw_key = sse.get("kms_key_arn")  # absent: the AWS owned or managed key
    if raw_key is None:
        return
    key = ev.evaluate_raw(raw_key)
    if not aws.is_aws_managed_key(key):
        mapping.source_kms_key, mapping.source_kms_source = _key_arn(module, key), hcl_source(raw_key)


def destination(
    here: TerraformModule, block: Block, target: Nested, key: str, kind: str, outer_unknown: str | None = None
) -> Destination:
    """The destination named by ``key`` in an on_success/on_failure block, with what its resource says."""
    raw, scope = target.body[key], target.scope
    value = here.evaluator.evaluate_raw(raw, scope)
    unknown = outer_unknown or target.unknown
    if unknown is not None:  # the block may not exist: whatever it names cannot be checked
        value = Unknown(f"{block.address}.dynamic", f"written in {unknown}", may_be_absent=True, dynamic=True)
    # A module that passes a destination through from its input (terraform-aws-modules/lambda does) is
    # reported where the user wrote the value: the module call's argument, in the user's own files.
    module, raw, location = here, raw, attribute_location(block, target.body, key)
    written_in = {module_directory(block.file.path): hcl_source(raw)}
    while True:
        passed = _passed_from_caller(module, raw)
        if passed is None:
            break
        module, raw, location = passed
        scope = Scope()
        written_in[module_directory(location.path)] = hcl_source(raw)
    ref = direct_reference(module.evaluator, raw, None, scope)
    source = hcl_source(raw)
    # The resource's own ARN attribute, in the module that declares it (an instance's key written out):
    # what a grant there can name when the expression above is an iterator's (``[each.key]``).
    address_in = {module_directory(location.path): f"{ref[len(module.prefix) :]}.arn"} if ref else {}
    if ref is None:
        # Written through an iterator, a local or a module input (``target.value``, ``each.value["arn"]``):
        # name the resource the value is, in this module or in one that calls it.
        owner: TerraformModule | None = module
        while owner is not None and ref is None:
            ref = _resource_with_arn(owner, value)
            if ref is not None and owner is module:
                source = f"{ref[len(module.prefix) :]}.arn"
                written_in[module_directory(location.path)] = source
            if ref is not None and owner.files:
                address_in[module_directory(owner.files[0].path)] = f"{ref[len(owner.prefix) :]}.arn"
            owner = owner.caller
    fifo, kms_key, kms_source = _target_facts(module, ref, value)
    return Destination(
        kind=kind,  # type: ignore[arg-type]
        arn=value,
        ref=ref or source,
        location=location,
        resource_address=ref,
        source=source,
        target_location=module.declarations.address_location(ref),
        fifo=fifo,
        kms_key=kms_key,
        kms_source=kms_source,
        written_in=written_in,
        address_in=address_in,
    )


def arn_addresses(module: TerraformModule, value: Any) -> dict[str, str]:
    """How a module that can see it names the resource whose ARN is ``value``, for fixes: its own
    ``aws_sqs_queue.jobs.arn`` in whichever of this module and its callers declares it, else the output of a
    module they call that is that ARN (``module.queue.queue_arn``). Module directory -> expression."""
    owner: TerraformModule | None = module
    while owner is not None:
        ref = _resource_with_arn(owner, value, tuple(dict.fromkeys(DESTINATION_TYPES + tuple(_SOURCE_TYPES))))
        found = f"{ref[len(owner.prefix) :]}.arn" if ref is not None else _output_with_value(owner, value)
        if found is not None and owner.files:
            return {module_directory(owner.files[0].path): found}
        owner = owner.caller
    return {}


def _output_with_value(module: TerraformModule, value: Any) -> str | None:
    """``module.<name>.<output>`` of a module this one calls, whose value is certainly ``value``."""
    wanted = identity(value) if isinstance(value, (str, Text)) else None
    if wanted is None:
        return None
    for name, suffix, child in module.called_instances():
        found = module.index.output_with_value(child, wanted)
        if found is not None:
            return f"module.{name}{suffix}.{found}"
    return None


def role_name_for_caller(module: TerraformModule, at: str) -> tuple[str, str] | None:
    """(the calling file, ``module.x.out``) when an output of this called module is the role's name."""
    call = module.call
    if call is None or call.name not in call.module.declarations.call_files:
        return None
    local = at[len(module.prefix) :]
    names = {f"{local}.{attr}" for attr in ("name", "id")}
    for oname, obody in module.declarations.outputs:
        value = hcl_source(obody.get("value"))
        inner = value[len("try(") :].split(",", 1)[0].strip() if value.startswith("try(") else value
        if inner in names:
            prefix = module.prefix[len(call.module.prefix) :]
            return call.module.declarations.call_files[call.name].path, f"{prefix}{oname}"
    return None


def _resource_with_arn(module: TerraformModule, value: Any, types: tuple[str, ...] = DESTINATION_TYPES) -> str | None:
    """The one resource of these types in this module whose ARN is certainly ``value``, if any."""
    arn = identity(value) if isinstance(value, (str, Text)) else None
    if arn is None:
        return None
    found = [address for rtype in types for address in module.index.resources_with_arn(module, rtype, arn)]
    return found[0] if len(found) == 1 else None


def _passed_from_caller(module: TerraformModule, raw: Any) -> tuple[TerraformModule, Any, Location] | None:
    """When ``raw`` is exactly ``var.x`` and the calling module sets x: (caller, its value, where it is set)."""
    call = module.call
    if call is None:
        return None
    try:
        node = module.evaluator.parse(raw)
    except HclExpressionError:
        return None
    if not isinstance(node, Ref) or node.root != "var" or len(node.steps) != 1:
        return None
    name = step_attr(node.steps, 0)
    if name is None:
        return None
    tf = call.module.declarations.call_files.get(call.name)
    if name not in call.arguments or tf is None:
        return None
    start = int(call.arguments.get("__start_line__", 1))
    found = find_attribute(tf, start, int(call.arguments.get("__end_line__", start)), name)
    if found is None:
        return None
    line, column, end_column = found
    return call.module, call.arguments[name], Location(tf.path, line, column, line, end_column)


def _target_facts(module: TerraformModule, address: str | None, value: Any) -> tuple[bool, Any, str]:
    """(FIFO?, customer managed key ARN or None, the key as written) for the resource a destination names."""
    ev = module.evaluator
    arn_text = str(value) if isinstance(value, (str, Text)) else ""
    fifo = arn_text.endswith(".fifo")
    block = module.declarations.block_at(address)
    if block is None and address is None:
        # Named through a called module's output (module.queue.queue_arn): the facts of the resource it is,
        # there; the key is written in that module, so a fix here names it by its ARN.
        inside = _called_target(module, value)
        if inside is not None:
            child, child_address = inside
            fifo_there, key, _ = _target_facts(child, child_address, value)
            key_here = _resource_with_arn(module, key, ("aws_kms_key",)) if key is not None else None
            return fifo or fifo_there, key, f"{key_here[len(module.prefix) :]}.arn" if key_here else ""
    if block is None or block.kind != "resource":
        return fifo, None, ""
    scope = Scope()
    raw_key = None
    if block.type == "aws_sqs_queue":
        fifo = fifo or ev.argument(block, "fifo_queue", scope) is True
        raw_key = block.body.get("kms_master_key_id")
    elif block.type == "aws_sns_topic":
        fifo = fifo or ev.argument(block, "fifo_topic", scope) is True
        raw_key = block.body.get("kms_master_key_id")
    elif block.type == "aws_s3_bucket":
        raw_key = _bucket_key(module, block)
    if raw_key is None:
        return fifo, None, ""
    key = ev.evaluate_raw(raw_key)
    if key is None or aws.is_aws_managed_key(key):  # null: no key (a module input left unset)
        return fifo, None, ""
    return fifo, _key_arn(module, key), hcl_source(raw_key)


def _called_target(module: TerraformModule, value: Any) -> tuple[TerraformModule, str] | None:
    """(the called module, the address there) of the queue, topic or bucket whose ARN is certainly ``value``."""
    arn = identity(value) if isinstance(value, (str, Text)) else None
    if arn is None:
        return None
    for _, _, child in module.called_instances():
        for rtype in ("aws_sqs_queue", "aws_sns_topic", "aws_s3_bucket"):
            address = module.index.instance_with_arn(child, rtype, arn)
            if address is not None:
                return child, address
    return None


def _bucket_key(module: TerraformModule, bucket: Block) -> Any:
    """The raw kms_master_key_id of the bucket's SSE-KMS default encryption, if any."""
    ev = module.evaluator
    name = resource_attribute(ev, bucket, "bucket", Scope())
    candidates = []
    for cfg in module.declarations.blocks_of("aws_s3_bucket_server_side_encryption_configuration"):
        if same(ev.argument(cfg, "bucket"), name) is True:
            candidates.append(cfg.body)
    candidates += [c for c in bucket.body.get("server_side_encryption_configuration", []) or [] if isinstance(c, dict)]
    for body in candidates:
        for rule in body.get("rule", []) or []:
            for default in (
                rule.get("apply_server_side_encryption_by_default", []) or [] if isinstance(rule, dict) else []
            ):
                algorithm = plain(ev.evaluate_raw(default.get("sse_algorithm")))
                if algorithm in ("aws:kms", "aws:kms:dsse") and "kms_master_key_id" in default:
                    return default["kms_master_key_id"]
    return None


def _key_arn(module: TerraformModule, key: Any) -> Any:
    ev = module.evaluator
    text = plain(key)
    if text is not None and text.startswith("alias/"):
        for alias in module.declarations.blocks_of("aws_kms_alias"):
            if plain(resource_attribute(ev, alias, "name", Scope())) == text and "target_key_id" in alias.body:
                return resource_attribute(ev, alias, "target_key_arn", Scope())
        return Unknown(f"key behind {text}", f"the key behind {text}, which is not defined in this module")
    return aws.kms_key_arn(key, ev.provider_region(None), ev.env.account())


def direct_reference(ev: Evaluator, raw: Any, rtype: str | None, scope: Scope | None = None) -> str | None:
    """The address of the resource a value references directly (``aws_sqs_queue.q.arn`` -> ``aws_sqs_queue.q``)."""
    try:
        node = ev.parse(raw)
    except HclExpressionError:
        return None
    if not isinstance(node, Ref) or not isinstance(node.root, str):
        return None
    root, steps = node.root, node.steps
    if root == "data":
        address = f"data.{step_attr(steps, 0)}.{step_attr(steps, 1)}"
        wanted = rtype is None
    else:
        address = f"{root}.{step_attr(steps, 0)}"
        wanted = rtype is None or root == rtype
    if not wanted or (root != "data" and (root, step_attr(steps, 0) or "") not in ev.declarations.resources):
        return None
    position = 2 if root == "data" else 1
    step = steps[position] if len(steps) > position else None
    if isinstance(step, Index):
        index = ev.evaluate(step.key, scope or Scope())
        if isinstance(index, int) and not isinstance(index, bool):
            address += f"[{index}]"
        elif isinstance(index, str):
            address += f'["{index}"]'
        else:
            return None
    return ev.prefix + address


def module_directory(path: str) -> str:
    """The module a file belongs to, as the keys of ``Destination.written_in`` name it."""
    return path.rsplit("/", 1)[0] if "/" in path else "."

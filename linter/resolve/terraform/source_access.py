"""How Lambda reaches an event source, from a Terraform mapping's ``source_access_configuration`` blocks: the
secrets it authenticates with and the subnets it attaches to (read by verdicts/requirements.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from infra_policy_linter.model.entities import EventSourceMapping, SourceAccess
from infra_policy_linter.resolve.terraform.blocks import Block, Scope, attribute_location, hcl_source

if TYPE_CHECKING:
    from infra_policy_linter.resolve.terraform.module import TerraformModule


def source_access(module: TerraformModule, block: Block, scope: Scope) -> list[SourceAccess]:
    """Each ``source_access_configuration { type, uri }`` of an aws_lambda_event_source_mapping, dynamic ones too."""
    ev = module.evaluator
    out: list[SourceAccess] = []
    for entry in ev.nested(block, block.body, "source_access_configuration", scope):
        raw_type, raw_uri = entry.body.get("type"), entry.body.get("uri")
        if raw_type is None:
            continue
        out.append(
            SourceAccess(
                ev.evaluate_raw(raw_type, entry.scope),
                ev.evaluate_raw(raw_uri, entry.scope) if raw_uri is not None else None,
                hcl_source(raw_uri) if raw_uri is not None else "",
                attribute_location(block, entry.body, "uri"),
            )
        )
    return out


def read_source_access(module: TerraformModule, block: Block, scope: Scope, mapping: EventSourceMapping) -> None:
    """The mapping's access configuration, and whether the Amazon MQ broker it reads is publicly accessible or
    reachable only inside its VPC (publicly_accessible defaults to false)."""
    mapping.access = source_access(module, block, scope)
    if mapping.source_service != "mq":
        return
    for broker in module.declarations.blocks_of("aws_mq_broker"):
        if broker.address != mapping.source_ref:
            continue
        public = (
            module.evaluator.argument(broker, "publicly_accessible") if "publicly_accessible" in broker.body else False
        )
        mapping.source_variant = "public" if public is True else "private" if public is False else None

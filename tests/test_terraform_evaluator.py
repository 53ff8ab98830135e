"""The evaluator reads its module's own declarations and asks everything else of the References it is given."""

from __future__ import annotations

from typing import Any

from infra_policy_linter.model import aws
from infra_policy_linter.model.values import Environment, Text, Unknown, account, region
from infra_policy_linter.parsers.terraform import TfFile, parse_hcl
from infra_policy_linter.resolve.terraform.blocks import Block, Declarations, ModuleLibrary, Scope, scope_key
from infra_policy_linter.resolve.terraform.expressions import Evaluator
from infra_policy_linter.resolve.terraform.module import TerraformModule
from infra_policy_linter.resolve.terraform.references import Passed

SOURCE = """
variable "passed" {}
variable "names" {
  default = ["b", "a"]
}
resource "aws_sqs_queue" "q" {
  for_each = toset(var.names)
  name     = each.key
}
locals {
  attribute = aws_sqs_queue.q["a"].arn
  output    = module.child["k"].out
  input     = var.passed
  region    = data.aws_region.here.name
}
data "aws_region" "here" {}
"""


class Recorded:
    """A References that answers from tables and records what it was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[Any, ...]] = []

    def resource_attribute(self, block: Block, attr: str, scope: Scope) -> Any:
        self.asked.append(("attribute", block.address, attr, scope.each_key))
        return f"{block.address}[{scope.each_key}].{attr}"

    def instances(self, block: Block) -> list[tuple[str, Scope]]:
        self.asked.append(("instances", block.address))
        return [('["a"]', Scope(each_key="a", each_value="a")), ('["b"]', Scope(each_key="b", each_value="b"))]

    def module_output(self, name: str, key: Any, output: str | None) -> Any:
        self.asked.append(("output", name, key, output))
        return "from the child"

    def passed(self, name: str) -> Passed | None:
        return Passed("from the caller") if name == "passed" else None

    def caller_region(self) -> Any | None:
        return "eu-west-3"


def _evaluator() -> tuple[Evaluator, Recorded]:
    tf = parse_hcl("main.tf", SOURCE)
    assert isinstance(tf, TfFile)
    references = Recorded()
    return Evaluator(Declarations(".", [tf], []), references, Environment(), ModuleLibrary(), "."), references


def test_references_beyond_the_module_are_asked_of_the_references_given() -> None:
    ev, references = _evaluator()
    assert ev.local("attribute") == "aws_sqs_queue.q[a].arn"
    assert ev.local("output") == "from the child"
    assert ev.local("input") == "from the caller"
    assert ev.local("region") == "data.aws_region.here[None].name"  # data sources too
    assert ev.provider_region(None) == "eu-west-3"  # no provider here: the caller's
    assert ("output", "child", "k", "out") in references.asked
    assert ("instances", "aws_sqs_queue.q") in references.asked


def test_what_is_evaluated_is_kept_in_the_typed_memo() -> None:
    ev, references = _evaluator()
    ev.local("output")
    ev.local("output")
    assert references.asked.count(("output", "child", "k", "out")) == 1
    assert ev.memo.locals["output"] == "from the child"
    assert ev.memo.active_locals == set()


def test_a_default_list_gives_one_instance_per_element_with_its_assumption() -> None:
    tf = parse_hcl("main.tf", SOURCE)
    assert isinstance(tf, TfFile)
    module = TerraformModule(".", [tf], [])
    block = module.declarations.resources[("aws_sqs_queue", "q")]
    found = module.instances(block)
    assert [suffix for suffix, _ in found] == ['["a"]', '["b"]']
    assumed = Text(("a",), frozenset({"var.names takes its default"}))
    assert found[0][1].each_key == "a" and found[0][1].each_value == assumed
    assert isinstance(module.evaluator.local("input"), Unknown)  # a root module: nobody passes var.passed


CYCLE = """
resource "aws_sqs_queue" "q" {
  name = "q-${aws_sqs_queue.q.arn}"
}
resource "aws_sqs_queue" "plain" {
  name = "plain"
}
"""


def test_computed_attributes_are_kept_unless_a_reference_cycle_was_met() -> None:
    tf = parse_hcl("main.tf", CYCLE)
    assert isinstance(tf, TfFile)
    module = TerraformModule(".", [tf], [])
    ev = module.evaluator
    q = module.declarations.resources[("aws_sqs_queue", "q")]
    plain = module.declarations.resources[("aws_sqs_queue", "plain")]
    name = ev.argument(q, "name")  # reads q.arn, whose table meets the name being evaluated: a cycle
    assert ev.library.cycles_met == 1 and ev.memo.attributes == {}
    assert "refers to itself" in repr(name)
    # Read again, the ARN is made from the name as it is kept, not from what stood in for it inside the cycle.
    arn = module.resource_attribute(q, "arn", Scope())
    assert arn == aws.queue_arn(region(), account(), name)
    assert list(ev.memo.attributes) == [("resource", "aws_sqs_queue", "q", scope_key(Scope()))]
    assert module.resource_attribute(plain, "url", Scope()) == aws.queue_url(region(), account(), "plain")
    assert ev.library.cycles_met == 1 and len(ev.memo.attributes) == 2

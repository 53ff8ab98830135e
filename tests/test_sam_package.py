"""Templates SAM accepts once deployed are accepted offline (sam_package.py), and the translator's speed-ups stay
inside the linter's own calls (sam_translator_patches.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, run_json

ACCEPTED = REPO / "tests" / "data" / "sam-accepted"


@pytest.mark.parametrize("name", sorted(p.stem for p in ACCEPTED.glob("*.yaml")))
def test_templates_sam_accepts_are_read(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """AutoPublishAlias from a parameter's first AllowedValue or with no default, AutoPublishCodeSha256, an image
    function whose ImageUri is a parameter, an application whose Location is an intrinsic: no error entry."""
    shutil.copy(ACCEPTED / f"{name}.yaml", tmp_path / "template.yaml")
    monkeypatch.chdir(tmp_path)
    code, report = run_json("--no-cache", ".")
    assert (code, report["errors"], report["summary"]["units"]) == (0, [], 1)


def test_the_destination_of_an_aliased_function_is_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The alias comes from the parameter's first AllowedValue; the destination behind it is checked (granted:
    SAM grants sqs:SendMessage on the queue)."""
    shutil.copy(ACCEPTED / "alias_from_allowed_values.yaml", tmp_path / "template.yaml")
    monkeypatch.chdir(tmp_path)
    _, report = run_json("--no-cache", ".")
    assert (report["summary"]["destinations"], report["summary"]["granted"]) == (1, 1)


def test_a_template_sam_rejects_stays_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      Runtime: python3.12\n      Handler: index.handler\n      AutoPublishAlias: [a]\n"
    )
    monkeypatch.chdir(tmp_path)
    code, report = run_json("--no-cache", ".")
    assert code == 2
    assert [e["message"].startswith("SAM rejects this template: ") for e in report["errors"]] == [True]


def test_translator_patches_are_scoped_to_the_linter_call() -> None:
    import samtranslator.translator.translator as translator_module
    from samtranslator.region_configuration import RegionConfiguration

    from infra_policy_linter.resolve.cloudformation.sam_translator_patches import scoped_patches

    make = translator_module.make_policy_template_for_function_plugin
    descriptor = RegionConfiguration.__dict__["is_service_supported"]
    with scoped_patches():
        assert translator_module.make_policy_template_for_function_plugin is not make
        plugin = translator_module.make_policy_template_for_function_plugin()
        assert translator_module.make_policy_template_for_function_plugin() is plugin  # made once
        assert RegionConfiguration.is_service_supported("serverlessrepo", "us-east-1") is True
    assert translator_module.make_policy_template_for_function_plugin is make
    assert RegionConfiguration.__dict__["is_service_supported"] is descriptor


def test_resource_type_map_and_sam_type_lookup_are_scoped_and_answer_as_shipped() -> None:
    import samtranslator.translator.translator as translator_module
    from samtranslator.model import sam_resources
    from samtranslator.sdk.resource import SamResourceType

    from infra_policy_linter.resolve.cloudformation.sam_translator_patches import scoped_patches

    resolver_class = translator_module.ResourceTypeResolver
    has_value = SamResourceType.__dict__["has_value"]
    asked = ["AWS::Serverless::Function", "AWS::Serverless::Connector", "AWS::SQS::Queue", "", {"a": 1}, None, 3]
    shipped = [SamResourceType.has_value(value) for value in asked]
    with scoped_patches():
        resolver = translator_module.ResourceTypeResolver(sam_resources)
        assert translator_module.ResourceTypeResolver(sam_resources) is resolver  # made once
        assert resolver.resource_types == resolver_class(sam_resources).resource_types
        assert [SamResourceType.has_value(value) for value in asked] == shipped == [True, False, False] + [False] * 4
    assert translator_module.ResourceTypeResolver is resolver_class
    assert SamResourceType.__dict__["has_value"] is has_value

"""Differential: a SAM template and SAM's own output for it give the same findings.

The cases are aws/serverless-application-model's translator tests (a subset, copied with their licence under
tests/data/sam-translator). Linting the SAM input goes through the real transform with positions mapped back;
linting the committed output reads plain CloudFormation. Any difference is the linter's model of SAM going wrong
on one side. Inputs SAM rejects must come back as error entries carrying SAM's own message.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from pathlib import Path

import pytest

from tests.conftest import REPO, run_json

DATA = REPO / "tests" / "data" / "sam-translator"


def _outputs() -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in sorted((DATA / "output").glob("*.json"))}


def _by_template(report: dict) -> dict[str, set[tuple[str, str, str | None]]]:
    found: dict[str, set[tuple[str, str, str | None]]] = defaultdict(set)
    for f in report["findings"]:
        found[Path(f["path"]).stem].add((f["rule"], f["function"], f["action"]))
    return found


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict, dict, list[str], list[str]]:
    outputs = _outputs()
    accepted = sorted(n for n, o in outputs.items() if "errorMessage" not in o)
    rejected = sorted(n for n, o in outputs.items() if "errorMessage" in o)
    root = tmp_path_factory.mktemp("differential")
    for name, folder in [(n, "accepted") for n in accepted] + [(n, "rejected") for n in rejected]:
        (root / folder).mkdir(exist_ok=True)
        shutil.copy(DATA / "input" / f"{name}.yaml", root / folder / f"{name}.yaml")
    (root / "output").mkdir()
    for name in accepted:
        shutil.copy(DATA / "output" / f"{name}.json", root / "output" / f"{name}.json")
    # One worker, in this process: a module-scoped fixture is set up before the autouse one_worker_in_process, and
    # a pool forked here re-imported cfn-lint and the SAM translator per worker (13 s of CPU for a 1 s run).
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.setattr("infra_policy_linter.run.engine.default_jobs", lambda: 1)
        _, from_input = run_json("--no-cache", "accepted")
        _, from_output = run_json("--no-cache", "output")
        # --all-units: a template SAM rejects is an error even without functions (then not read by default)
        _, from_rejected = run_json("--no-cache", "--all-units", "rejected")
    return from_input, from_output, from_rejected, accepted, rejected


def test_the_subset_is_the_one_described(reports) -> None:
    _, _, _, accepted, rejected = reports
    assert (len(accepted), len(rejected)) == (109, 46)


# The one committed output older than the translator it is compared with: SAM's output file grants the SASL secret
# twice and the SERVER_ROOT_CA_CERTIFICATE secret not at all, while SAM's source (pull.py, authentication_uri_2) and
# the installed translator grant both. Lambda reads the root CA secret to reach the brokers, so the finding on the
# stale output is right; it is the only difference allowed, and it must stay exactly this one.
STALE_OUTPUTS = {
    "self_managed_kafka_with_SERVER_ROOT_CA_CERTIFICATE_and_auth_mechanism": (
        [],
        [("ESM002", "KafkaFunction", "secretsmanager:GetSecretValue")],
    )
}


def test_input_and_sams_output_give_the_same_findings(reports) -> None:
    from_input, from_output, _, accepted, _ = reports
    a, b = _by_template(from_input), _by_template(from_output)
    differing = {n: (sorted(a[n] - b[n]), sorted(b[n] - a[n])) for n in accepted if a[n] != b[n]}
    assert differing == STALE_OUTPUTS
    assert from_input["errors"] == [] and from_output["errors"] == []


def test_the_comparison_is_not_empty(reports) -> None:
    """Findings the translator tests do hold (the DST006 ones are SAM's placeholders like 'my-sns-arn')."""
    found = _by_template(reports[0])
    assert ("DST006", "MyTestFunction", None) in found["function_with_event_dest_basic"]
    # DeadLetterQueue's TargetArn is SAM's placeholder 'arn' on both sides (CloudFormation's pattern refuses it).
    assert found["function_with_dlq"] == {
        ("DLQ002", "MySnsDlqLambdaFunction", None),
        ("DLQ002", "MySqsDlqLambdaFunction", None),
    }
    # A provisioned cluster (AWS::MSK::Cluster) needs kafka:DescribeCluster or kafka:DescribeClusterV2: the role's
    # DescribeCluster is enough, so SAM's own test template is not flagged.
    assert not any(rule == "ESM002" for rule, _, _ in found["function_with_msk_2"])
    assert ("DST004", "MyFunction", "sqs:ReceiveMessage") in found["connector_esm_dependson"]
    # Connectors grant what the mappings need: none of these is flagged (the old own model flagged all of them).
    for name in (
        "connector_sqs_to_function",
        "connector_table_to_function_read",
        "embedded_connectors_esm_depends_on",
        "function_with_msk_s3_onfailure_dest",
    ):
        assert found[name] == set(), name


def test_templates_sam_rejects_are_errors_with_sams_message(reports) -> None:
    _, _, from_rejected, _, rejected = reports
    outputs = _outputs()
    assert from_rejected["findings"] == []
    errors: dict[str, list[str]] = defaultdict(list)
    for e in from_rejected["errors"]:
        errors[Path(e["path"]).stem].append(e["message"])
    assert sorted(errors) == rejected
    prefix = "SAM rejects this template: "
    for name, messages in errors.items():
        for message in messages:
            assert message.startswith(prefix)
            assert message[len(prefix) :] in outputs[name]["errorMessage"], name

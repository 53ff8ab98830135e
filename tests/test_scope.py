"""What a run reads: .gitignore and .git/info/exclude inside a git work tree, build output skipped by default,
gitignore-style --exclude, and a clear failure when there is nothing to lint."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli, run_json

BAD_TF = REPO / "fixtures/terraform/DST001/bad/main.tf"
BAD_YAML = REPO / "fixtures/cloudformation/DST001/bad/template.yaml"
BAD_JSON = REPO / "fixtures/cloudformation/DST001/bad/template.json"


EMPTY = (
    "Checked 0 files in 0 units: no findings. 0 destinations checked: 0 granted, 0 not granted, 0 unverifiable; "
    "0 module calls or stacks not followed.\n"
)


def _put(root: Path, rel: str, source: Path) -> None:
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, target)


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git work tree (the linter never runs git: a .git directory is all it looks for) with real code, build
    output of every common tool, and files that .gitignore / .git/info/exclude leave out."""
    root = tmp_path / "repo"
    (root / ".git" / "info").mkdir(parents=True)
    (root / ".git" / "info" / "exclude").write_text("# local only\n/scratch/\n")
    (root / ".gitignore").write_text("vendored/\n*.generated.yaml\n")
    _put(root, "infra/main.tf", BAD_TF)
    _put(root, "stacks/app.yaml", BAD_YAML)
    _put(root, ".aws-sam/build/template.yaml", BAD_YAML)  # `sam build` copy
    _put(root, "cdk.out/App.template.json", BAD_JSON)  # `cdk synth` output
    _put(root, "cdk.out/asset.1234/main.tf", BAD_TF)
    _put(root, "infra/.terraform/modules/x/main.tf", BAD_TF)  # `terraform init` copy
    _put(root, "web/node_modules/pkg/main.tf", BAD_TF)
    _put(root, "vendored/lib/main.tf", BAD_TF)  # .gitignore, directory pattern
    _put(root, "stacks/app.generated.yaml", BAD_YAML)  # .gitignore, file glob
    _put(root, "scratch/main.tf", BAD_TF)  # .git/info/exclude
    # A deeper .gitignore wins over a shallower one, and "!" re-includes.
    _put(root, "nested/keep.generated.yaml", BAD_YAML)
    _put(root, "nested/drop.yaml", BAD_YAML)
    (root / "nested" / ".gitignore").write_text("!keep.generated.yaml\ndrop.yaml\n")
    monkeypatch.chdir(root)
    return root


def _paths(report: dict) -> list[str]:
    return sorted({f["path"] for f in report["findings"]})


def test_git_ignored_files_and_build_output_are_not_read(tree: Path) -> None:
    code, report = run_json(".")
    assert code == 1
    # cdk.out's synthesized template is read; its asset copies are not.
    assert _paths(report) == [
        "cdk.out/App.template.json",
        "infra/main.tf",
        "nested/keep.generated.yaml",
        "stacks/app.yaml",
    ]
    assert report["summary"]["files"] == 4


def test_outside_a_git_work_tree_gitignore_means_nothing(tree: Path) -> None:
    shutil.rmtree(tree / ".git")
    code, report = run_json(".")
    assert code == 1
    # Build output is still skipped; what .gitignore lists is read (git would not apply it either).
    assert _paths(report) == [
        "cdk.out/App.template.json",
        "infra/main.tf",
        "nested/drop.yaml",
        "nested/keep.generated.yaml",
        "scratch/main.tf",
        "stacks/app.generated.yaml",
        "stacks/app.yaml",
        "vendored/lib/main.tf",
    ]


def test_a_directory_named_on_the_command_line_is_read_even_if_ignored(tree: Path) -> None:
    code, report = run_json(".aws-sam/build", "vendored")
    assert code == 1
    assert _paths(report) == [".aws-sam/build/template.yaml", "vendored/lib/main.tf"]
    code, report = run_json("cdk.out")
    assert _paths(report) == ["cdk.out/App.template.json"]  # the synthesized template, not the asset copies


def test_a_file_named_on_the_command_line_is_read_even_if_ignored(tree: Path) -> None:
    code, report = run_json("stacks/app.generated.yaml")
    assert code == 1
    assert _paths(report) == ["stacks/app.generated.yaml"]


@pytest.mark.parametrize(
    "pattern, expected",
    [
        ("**/stacks/**", ["cdk.out/App.template.json", "infra/main.tf", "nested/keep.generated.yaml"]),
        ("infra", ["cdk.out/App.template.json", "nested/keep.generated.yaml", "stacks/app.yaml"]),
        ("*.yaml", ["cdk.out/App.template.json", "infra/main.tf"]),
        ("/nested/*.yaml", ["cdk.out/App.template.json", "infra/main.tf", "stacks/app.yaml"]),
        ("**/main.tf", ["cdk.out/App.template.json", "nested/keep.generated.yaml", "stacks/app.yaml"]),
        ("cdk.out/", ["infra/main.tf", "nested/keep.generated.yaml", "stacks/app.yaml"]),
    ],
)
def test_exclude_takes_gitignore_patterns(tree: Path, pattern: str, expected: list[str]) -> None:
    code, report = run_json("--exclude", pattern, ".")
    assert _paths(report) == expected


def test_exclude_applies_to_named_files_too(tree: Path) -> None:
    code, out, err = run_cli("--exclude", "**/*.yaml", "stacks/app.yaml")
    assert code == 2
    assert err == (
        "lint: error: no Terraform, CloudFormation, Serverless Framework or Terragrunt file found in "
        "stacks/app.yaml (pass --allow-empty if that is expected)\n"
    )


def test_no_infrastructure_at_all_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "README.md").write_text("# nothing here\n")
    (tmp_path / "ci.yml").write_text("on: push\njobs: {}\n")  # YAML, but not a template
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(".", env={"NO_COLOR": "1"})
    assert code == 2
    assert out == EMPTY
    assert err == (
        "lint: error: no Terraform, CloudFormation, Serverless Framework or Terragrunt file found in . "
        "(pass --allow-empty if that is expected)\n"
    )
    code, out, err = run_cli("--allow-empty", "docs", "ci.yml", env={"NO_COLOR": "1"})
    assert (code, err) == (0, "")
    assert out == EMPTY


def test_only_an_unsupported_format_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "cdk.json").write_text('{"app": "npx ts-node bin/app.ts"}\n')
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "Pulumi.yaml").write_text("name: infra\nruntime: python\n")
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(".", env={"NO_COLOR": "1"})
    assert code == 2
    assert err == (
        "lint: error: nothing in . is a format the linter reads: app/cdk.json is an AWS CDK app without a "
        "synthesized cdk.out (run `cdk synth`, then lint cdk.out); infra/Pulumi.yaml is a Pulumi project (the "
        "linter does not read Pulumi programs) (pass --allow-empty if that is expected)\n"
    )


def test_a_serverless_service_written_as_code_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "serverless.ts").write_text("export default {service: 'x'}\n")
    monkeypatch.chdir(tmp_path)
    code, report = run_json(".")
    assert code == 2
    assert [(e["path"], e["message"].split(":")[0]) for e in report["errors"]] == [
        ("serverless.ts", "a Serverless Framework service written as code")
    ]


@pytest.mark.parametrize("index_version", ["2", "3", "4"])
def test_a_tracked_file_is_read_even_if_gitignore_matches_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, index_version: str
) -> None:
    """As in git, ignore rules apply to untracked files only; the index (every format version) says which."""
    import subprocess

    root = tmp_path / "repo"
    _put(root, "deprecated/old/main.tf", BAD_TF)  # ignored, but added with `git add -f`
    _put(root, "deprecated/new/main.tf", BAD_TF)  # ignored and untracked
    _put(root, "live/main.tf", BAD_TF)
    (root / ".gitignore").write_text("deprecated/\n")
    for args in (
        ["init", "-q"],
        ["add", "-A"],
        ["add", "-f", "deprecated/old/main.tf"],
        ["update-index", "--index-version", index_version],
    ):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
    monkeypatch.chdir(root)
    code, report = run_json(".")
    assert _paths(report) == ["deprecated/old/main.tf", "live/main.tf"]

"""Pre-commit's scope on directory listings and file facts kept between runs: the same roots as a fresh walk, after
any change to the tree (added, removed, renamed and edited files, a new .gitignore, a new module call), and a
listing made within the clock's granularity of a change is not trusted."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from infra_policy_linter.inputs.discovery import discover, wanted
from infra_policy_linter.inputs.file_facts import FileFacts
from infra_policy_linter.inputs.focus import Focus, widen
from infra_policy_linter.inputs.listed_walk import terraform_tree
from infra_policy_linter.inputs.walk_cache import RACY_NS, Listings


def _call(target: str) -> str:
    return f'module "m" {{\n  source = "{target}"\n}}\n'


TREE = {
    "roots/a/main.tf": _call("../../modules/mid"),
    "roots/a/terraform.tfvars": 'x = "1"\n',
    "roots/b/main.tf": _call("../../modules/leaf"),
    "modules/mid/main.tf": _call("../leaf") + 'locals {\n  p = file("${path.module}/policy.json")\n}\n',
    "modules/mid/policy.json": "{}\n",
    "modules/leaf/main.tf": 'resource "aws_sqs_queue" "q" {}\n',
    "modules/leaf/extra.tf": "",
    "modules/leaf/extra.tofu": "",  # OpenTofu reads this one instead of extra.tf
    "vendored/c/main.tf": _call("../../modules/leaf"),  # ignored by .gitignore
    "deprecated/d/main.tf": _call("../../modules/leaf"),  # ignored, but tracked
    "cdk.out/asset.1/main.tf": _call("../../modules/leaf"),  # a copy of an asset: skipped
    "{{cookiecutter.name}}/main.tf": _call("../modules/leaf"),  # not rendered: skipped
    "node_modules/x/main.tf": _call("../../modules/leaf"),
    "live/terragrunt.hcl": 'terraform {\n  source = "../modules/leaf"\n}\n',
    ".gitignore": "vendored/\ndeprecated/\n",
}
CHANGES = ["modules/leaf/main.tf", "modules/mid/policy.json", "roots/a/main.tf", "roots/a/terraform.tfvars"]


@pytest.fixture(params=["with a link at the top", "without links"])
def repo(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """A git work tree; the one with a link is walked from its listings each time (see Listings.kept_signature),
    the one without is taken as kept while no directory changed."""
    root = tmp_path / "repo"
    for rel, text in TREE.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    if request.param == "with a link at the top":
        (root / "link").symlink_to(root / "roots", target_is_directory=True)  # listed, not entered
    for args in (["init", "-q"], ["add", "-A"], ["add", "-f", "deprecated/d/main.tf"]):
        _git(root, *args)
    return root


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def _later(store: Listings | FileFacts) -> Listings | FileFacts:
    """As if the run came well after the tree was written: what it sees is kept (see walk_cache.RACY_NS)."""
    store.started_ns += 2 * RACY_NS
    return store


def _kept(root: Path, cache: Path, changed: list[str]) -> Focus:
    listed: list[Listings] = []

    def listings(top: Path) -> Listings:
        listed.append(Listings.load(cache, top, "code", wanted))
        return listed[-1]

    focus = widen(
        [root / c for c in changed],
        root,
        (),
        lambda top: _later(FileFacts.load(cache, top, "code")),  # type: ignore[return-value]
        lambda top: _later(listings(top)),  # type: ignore[return-value]
    )
    time.sleep(0.05)  # what the test changes next gets a later time stamp than what was kept
    return focus


def _fresh(root: Path, changed: list[str]) -> Focus:
    return widen([root / c for c in changed], root, ())


def _same_scope(root: Path, cache: Path) -> None:
    for change in CHANGES + [c for c in ["roots/z/main.tf", "roots/e/main.tf"] if (root / c).exists()]:
        assert _kept(root, cache, [change]) == _fresh(root, [change]), change
    assert _kept(root, cache, CHANGES) == _fresh(root, CHANGES)


def test_kept_listings_give_the_scope_of_a_fresh_walk(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    leaf = _fresh(repo, ["modules/leaf/main.tf"])
    # the roots above the leaf: through mid, directly, and the tracked one; not the ignored, skipped or unrendered
    assert sorted(p.relative_to(repo).as_posix() for p in leaf.extra) == [
        "deprecated/d/main.tf",
        "roots/a/main.tf",
        "roots/b/main.tf",
    ]
    _same_scope(repo, cache)  # the first run lists the tree and keeps it
    assert list((cache / "listings").iterdir())
    scanned: list[str] = []
    monkeypatch.setattr(Listings, "_scan", lambda self, directory: scanned.append(directory))
    _same_scope(repo, cache)  # later runs use what was kept
    assert scanned == []
    # and with only Terraform files changed, each directory's part of the last walk: nothing it depends on changed
    # (but for the top, which holds a symbolic link: what a link points to can change without its directory)
    listed: list[str] = []
    listing = Listings.listing
    monkeypatch.setattr(Listings, "listing", lambda self, d: listed.append(d) or listing(self, d))
    assert _kept(repo, cache, ["modules/leaf/main.tf"]) == leaf
    assert listed == ([os.fspath(repo)] if (repo / "link").exists() else [])


def test_kept_listings_follow_every_change_to_the_tree(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    _same_scope(repo, cache)
    changes = [
        lambda: (repo / "roots/e").mkdir(),  # a new directory
        lambda: (repo / "roots/e/main.tf").write_text(_call("../../modules/leaf")),  # a new file with a call
        lambda: (repo / "roots/b/main.tf").write_text('locals {\n  a = "../../modules/leaf"\n}\n'),  # call gone
        lambda: (repo / "roots/a/main.tf").write_text(_call("../../modules/lea2")),  # same size, other module
        lambda: (repo / "roots/a/main.tf").write_text(_call("../../modules/leaf")),
        lambda: (repo / "roots/a").rename(repo / "roots/z"),
        lambda: (repo / "roots/.gitignore").write_text("z/\n"),  # a new .gitignore
        lambda: (repo / "roots/.gitignore").write_text("e/\n"),  # an edited one
        lambda: (repo / "roots/e/main.tf").unlink(),
        lambda: (repo / "modules/leaf/extra.tofu").unlink(),  # extra.tf counts again
        lambda: (repo / "vendored/c/main.tf").write_text(""),  # an ignored file: nothing changes
        lambda: _git(repo, "add", "-f", "vendored/c/main.tf"),  # now tracked: its directory is walked
        lambda: (repo / "vendored/c/main.tf").write_text(_call("../../modules/leaf")),
        lambda: (outside / "target").mkdir(),
        lambda: (repo / "roots/b/x.tf").symlink_to(outside / "target"),  # a link to a directory: not a file
        lambda: (outside / "target").rmdir(),  # a broken link: a file to os.walk, its directory unchanged
        lambda: (outside / "target").write_text(_call("../../modules/leaf")),  # a link to a file with a call
        lambda: (repo / ".gitignore").write_text("deprecated/\n"),  # vendored/ is no longer ignored
    ]
    for change in changes:
        change()
        _same_scope(repo, cache)


def test_a_directory_listed_just_after_a_change_is_listed_again(repo: Path, tmp_path: Path) -> None:
    listings = Listings.load(tmp_path / "cache", repo, "code", wanted)
    listings.listing(os.fspath(repo / "roots"))
    assert os.fspath(repo / "roots") not in listings.visited  # changed within RACY_NS of the listing: not kept
    _later(listings).listing(os.fspath(repo / "modules"))
    assert os.fspath(repo / "modules") in listings.visited
    facts = FileFacts.load(tmp_path / "cache", repo, "code")
    assert facts.of(repo / "roots/b/main.tf")[0] == ["../../modules/leaf"]
    assert facts.entries == {}  # the same for a file's facts


def test_the_text_tree_is_what_discover_finds(repo: Path, tmp_path: Path) -> None:
    kinds = frozenset({"terraform", "terragrunt"})
    plan = discover([repo], repo, (), kinds=kinds)
    for _ in range(2):
        listings = _later(Listings.load(tmp_path / "cache", repo, "code", wanted))
        assert isinstance(listings, Listings)
        modules, terragrunt = terraform_tree(repo, repo, (), listings)
        listings.save()
        assert modules == {os.fspath(d): [f.name for f in files] for d, files in plan.modules.items()}
        assert terragrunt == plan.terragrunt
        assert discover([repo], repo, (), listings=listings) == discover([repo], repo, ())
    assert modules[os.fspath(repo / "modules/leaf")] == ["extra.tofu", "main.tf"]
    excluded = discover([repo], repo, ("modules/mid",), kinds=kinds)
    assert terraform_tree(repo, repo, ("modules/mid",), listings)[0] == {
        os.fspath(d): [f.name for f in files] for d, files in excluded.modules.items()
    }


def test_an_unreadable_store_is_listed_again(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _kept(repo, cache, CHANGES)
    for store in (cache / "listings").iterdir():
        store.write_text("[not a listing")
    assert _kept(repo, cache, CHANGES) == _fresh(repo, CHANGES)
    for store in (cache / "listings").iterdir():
        store.write_text('{"' + os.fspath(repo) + '": ["x", [1], null, "y"], "key": null, "watch": [], "value": 1}')
    assert _kept(repo, cache, CHANGES) == _fresh(repo, CHANGES)

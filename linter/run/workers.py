"""Analysing units in parallel: results from the cache where there are some, the rest in forked workers (each
writes its cache entries where it makes them), handed out largest first."""

from __future__ import annotations

import queue
import signal
import threading
from collections import deque
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any

from infra_policy_linter.config import Config
from infra_policy_linter.run.cache import ResultCache, run_key_part, unit_key
from infra_policy_linter.run.work import UnitResult, Work

if TYPE_CHECKING:
    import multiprocessing.context

Progress = Callable[[int, int], None]
# Units read with the template decoder (and SAM's translator, about a second to load).
TEMPLATE_KINDS = frozenset({"cloudformation", "serverless"})


def analyse_and_store(item: tuple[Work, str], config: Config, today: date, cache: ResultCache) -> UnitResult:
    """Runs in a worker: the cache entry is written where the result is made, not in the parent."""
    from infra_policy_linter.run.analysis import analyse  # (loaded before workers fork: _prepare_workers)

    work, key = item
    result = analyse(work, config, today, cache.parse_cache())
    cache.put(key, result)
    return result


def _prepare_workers(kinds: AbstractSet[str], sam: bool = True, cfn_lint: bool = False) -> None:
    """Load what the workers need once, here, before they are forked, instead of once per worker: the HCL
    parser, the rules, the IAM catalogue, and for templates the decoder, when a template may be SAM's (``sam``) the
    SAM translator (with boto3, about a second), and when one may need it (``cfn_lint``) cfn-lint's own decoder
    (importing it imports cfn-lint, sympy and networkx: about a second more)."""
    if kinds - TEMPLATE_KINDS:
        from infra_policy_linter.parsers.terraform import parse_hcl

        parse_hcl("warm-up.tf", "")
    if kinds & TEMPLATE_KINDS:
        from infra_policy_linter.parsers.cloudformation import parse_template

        parse_template("warm-up.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n")
        if cfn_lint:
            import cfnlint.decode  # noqa: F401
        if sam:
            import samtranslator.translator.translator  # noqa: F401
    import infra_policy_linter.rules  # noqa: F401
    import infra_policy_linter.run.analysis  # noqa: F401
    from infra_policy_linter.iam.catalogue import services

    services()


def _may_be_sam_unit(work: Work) -> bool:
    """Whether a unit may go through the SAM transform: a template does only when it names the transform
    (``AWS::Serverless-2016-10-31``) or holds an ``AWS::Serverless::`` resource (sam_transform.uses_sam), and both
    are in the text. (A miss costs time only: a worker then imports the translator itself.)"""
    return work.kind == "cloudformation" and any(b"AWS::Serverless" in source.data for source in work.sources)


def _may_need_cfn_lint_unit(work: Work) -> bool:
    """Whether a unit may be decoded by cfn-lint itself: the one-pass decoder leaves it text with an ``&``
    (parsers/template_yaml.py), and broken or unusual text, which is rare (a miss costs time only)."""
    return work.kind in TEMPLATE_KINDS and any(b"&" in source.data for source in work.sources)


def _heavy(work: Work) -> bool:
    """Whether a unit needs a library that takes about a second to load (SAM's translator, cfn-lint)."""
    return _may_be_sam_unit(work) or _may_need_cfn_lint_unit(work)


def _may_be_sam(works: list[Work], pending: list[int]) -> bool:
    return any(_may_be_sam_unit(works[i]) for i in pending)


def _may_need_cfn_lint(works: list[Work], pending: list[int]) -> bool:
    return any(_may_need_cfn_lint_unit(works[i]) for i in pending)


def _context() -> multiprocessing.context.BaseContext:
    """Fork where the platform has it: workers then share the parsers this process already imported. (Imported
    here: a run that every unit's cached result answers starts no worker.)"""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _batch(job: Callable[[tuple[Work, str]], UnitResult], items: list[tuple[Work, str]]) -> list[UnitResult]:
    return [job(item) for item in items]


def _chunks(indices: list[int], jobs: int) -> list[list[int]]:
    """Small batches (fewer round trips to the workers), smaller still towards the end (no idle core)."""
    size = max(1, min(8, len(indices) // (jobs * 8)))
    return [indices[i : i + size] for i in range(0, len(indices), size)]


def analyse_all(
    works: list[Work], config: Config, today: date, jobs: int, cache: ResultCache, progress: Progress | None
) -> list[UnitResult]:
    run_part = run_key_part(config, today)
    keys = [unit_key(w, run_part) for w in works]
    results: list[UnitResult | None] = [cache.get(key) for key in keys]
    pending = [i for i, result in enumerate(results) if result is None]
    done = [len(works) - len(pending)]

    def finished(i: int, result: UnitResult) -> None:
        results[i] = result
        done[0] += 1
        if progress:
            progress(done[0], len(works))

    if progress:
        progress(done[0], len(works))
    job = partial(analyse_and_store, config=config, today=today, cache=cache)
    if jobs <= 1 or len(pending) <= 1:
        for i in pending:
            finished(i, job((works[i], keys[i])))
    else:
        _analyse_in_workers(works, keys, pending, jobs, job, finished)
    return [r for r in results if r is not None]


def _work_order(works: list[Work], pending: list[int], jobs: int) -> list[list[int]]:
    """The batches handed to the workers, in the order they are handed out."""
    # Largest units first: the last ones are short, so no core idles at the end.
    pending = sorted(pending, key=lambda i: -sum(len(s.data) for s in works[i].sources))
    return _chunks(pending, jobs)


def _analyse_in_workers(
    works: list[Work],
    keys: list[str],
    pending: list[int],
    jobs: int,
    job: Callable[[tuple[Work, str]], UnitResult],
    finished: Callable[[int, UnitResult], None],
) -> None:
    kinds = {works[i].kind for i in pending}
    heavy = [_heavy(works[i]) for i in pending]
    if any(heavy) and not all(heavy):
        _analyse_in_two_stages(works, keys, pending, jobs, job, finished)
        return
    order = _work_order(works, pending, jobs)
    _prepare_workers(kinds, _may_be_sam(works, pending), _may_need_cfn_lint(works, pending))
    # Workers are forked after the HCL parser is loaded (they share it) and ignore Ctrl-C: the interrupt is
    # this process's to handle, by stopping them, so no worker prints a traceback.
    pool = _context().Pool(processes=min(jobs, len(pending)), initializer=_ignore_interrupts)
    try:
        batches = [(chunk, pool.apply_async(_batch, (job, [(works[i], keys[i]) for i in chunk]))) for chunk in order]
        for chunk, pending_result in batches:
            for i, result in zip(chunk, pending_result.get(), strict=True):
                finished(i, result)
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()


def _stage_batches(works: list[Work], pending: list[int], jobs: int) -> tuple[list[list[int]], list[list[int]]]:
    """The light batches (Terraform, templates that need neither SAM's translator nor cfn-lint) and the heavy ones,
    each in hand-out order. A batch is one or the other: a heavy unit in a light batch would make this process load
    the slow libraries before forking the first worker, which is what the two stages avoid."""
    heavy = [i for i in pending if _heavy(works[i])]
    light = [i for i in pending if not _heavy(works[i])]
    return _work_order(works, light, jobs), _work_order(works, heavy, jobs)


def _analyse_in_two_stages(
    works: list[Work],
    keys: list[str],
    pending: list[int],
    jobs: int,
    job: Callable[[tuple[Work, str]], UnitResult],
    finished: Callable[[int, UnitResult], None],
) -> None:
    """Light and heavy units together: loading SAM's translator (and cfn-lint's decoder, when a template may need
    it) takes this process a second or two, during which the other cores would wait. So one worker is forked first
    and analyses light units meanwhile; the rest are forked once the slow libraries are loaded, take the heavy units
    first, then whatever is left. The first worker takes a heavy unit only when no light one is left (loading what
    it needs itself then). Batches are handed out as results come back, by the pools' result threads, so the first
    worker is kept fed while this process is busy loading."""
    stages = _TwoStages(works, keys, job)
    light, heavy = _stage_batches(works, pending, jobs)
    stages.light.extend(light)
    stages.heavy.extend(heavy)
    heavy_pending = [i for chunk in heavy for i in chunk]
    _prepare_workers({works[i].kind for chunk in light for i in chunk}, sam=False)
    try:
        stages.start(1, prefer_heavy=False)
        _prepare_workers(TEMPLATE_KINDS, _may_be_sam(works, heavy_pending), _may_need_cfn_lint(works, heavy_pending))
        stages.start(jobs - 1, prefer_heavy=True)
        for _ in range(len(light) + len(heavy)):  # every batch is handed out and comes back once
            chunk, out, error = stages.done.get()
            if error is not None:
                raise error
            for i, result in zip(chunk, out or [], strict=True):
                finished(i, result)
        for pool in stages.busy:
            pool.close()
    except BaseException:
        with stages.lock:
            stages.stopping = True  # a batch that returns meanwhile hands out nothing to a pool being terminated
        for pool in stages.busy:
            pool.terminate()
        raise
    finally:
        for pool in stages.busy:
            pool.join()


class _TwoStages:
    """Two pools fed from the batches not yet handed out (largest first within each kind), each kept two batches
    ahead per worker so that no worker waits for this process."""

    def __init__(self, works: list[Work], keys: list[str], job: Callable[[tuple[Work, str]], UnitResult]) -> None:
        self.works = works
        self.keys = keys
        self.job = job
        self.light: deque[list[int]] = deque()
        self.heavy: deque[list[int]] = deque()
        self.busy: dict[Any, int] = {}  # pool -> batches handed to it and not yet back
        self.prefers_heavy: dict[Any, bool] = {}
        self.lock = threading.Lock()  # the pools' result threads and this process's own thread hand out batches
        self.stopping = False
        self.done: queue.SimpleQueue[tuple[list[int], list[UnitResult] | None, BaseException | None]]
        self.done = queue.SimpleQueue()

    def start(self, processes: int, prefer_heavy: bool) -> Any:
        pool = _context().Pool(processes=processes, initializer=_ignore_interrupts)
        with self.lock:
            self.busy[pool] = 0
            self.prefers_heavy[pool] = prefer_heavy
            for _ in range(2 * processes):
                self.submit(pool, prefer_heavy)
        return pool

    def submit(self, pool: Any, prefer_heavy: bool) -> None:
        """Hand the pool its next batch, if any is left (the caller holds the lock)."""
        first, second = (self.heavy, self.light) if prefer_heavy else (self.light, self.heavy)
        if not (first or second):
            return
        chunk = (first or second).popleft()
        self.busy[pool] += 1
        pool.apply_async(
            _batch,
            (self.job, [(self.works[i], self.keys[i]) for i in chunk]),
            callback=lambda out: self._returned(pool, chunk, out, None),
            error_callback=lambda exc: self._returned(pool, chunk, None, exc),
        )

    def _returned(self, pool: Any, chunk: list[int], out: list[UnitResult] | None, error: BaseException | None) -> None:
        """In the pool's result thread: the next batch goes out before this one is reported."""
        with self.lock:
            self.busy[pool] -= 1
            if error is None and not self.stopping:
                self.submit(pool, self.prefers_heavy[pool])
        self.done.put((chunk, out, error))

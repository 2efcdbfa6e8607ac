"""Linting (or fixing) many files: the one place that turns paths into per-file results.

The CLI's `check` and `fix` both go through `check_files` (with a `Task`); parallelism,
the result cache and progress display belong here, not in the CLI or the engine.

How a run goes: the main process lists the files, reads each one and looks its
bytes up in the cache; only the misses are linted, in a pool of worker
processes when there are enough of them to pay for the pool. Results come back
in the order the files were found, whatever finished first. Findings that cross
a process boundary or go into the cache are plain data (`Finding.plain()`):
no LibCST nodes, and fixes without their node replacements.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import sys
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Set, TextIO, Tuple

from aiolint.frontends.cache import Cache
from aiolint.core.pipeline import fix_source, internal_error_finding, lint
from aiolint.frontends.notebook import Notebook, NotebookError, is_notebook
from aiolint.frontends.files import iter_python_files
from aiolint.core.findings import Finding
from aiolint.core.settings import Settings
from aiolint.semantics import project

# Below this many files to lint, a pool costs more (start-up, pickling) than it saves.
MIN_FILES_FOR_POOL = 24
# From this many files, a check keeps a run record (frontends/cache.py): one file to read when warm.
MIN_FILES_FOR_RECORD = 100
# Files per task: small enough to balance the workers (sizes vary a lot), big enough to amortise a task.
BATCH = 8


class Task(Enum):
    """What is done with each file."""

    CHECK = "check"  # findings only; cached
    FIX = "fix"  # apply safe fixes, then the findings that remain
    FIX_UNSAFE = "fix-unsafe"  # apply unsafe fixes too


@dataclass
class FileResult:
    path: str  # as given on the command line, or the --stdin-filename for "-"
    # Findings for CHECK; for FIX, those left in the fixed source. Per-file ignores not yet applied.
    findings: List[Finding] = field(default_factory=list)
    error: Optional[str] = None  # could not read the file
    source: Optional[bytes] = None
    cached: bool = False  # the findings came from the cache
    fixed_source: Optional[bytes] = None  # FIX: the new source, if any fix applied
    fixed: List[Finding] = field(default_factory=list)  # FIX: the findings whose fix was applied
    from_stdin: bool = False


Outcome = Tuple[List[Finding], Optional[bytes], List[Finding]]  # findings, fixed source, fixed findings


def read_source(path: str) -> Tuple[bytes, Optional[Tuple[int, int]]]:
    """The file's bytes, and its (size, mtime_ns) once read (None for stdin): a run record's
    stamps of the files a run reads are checked against these, not stat'ed again."""
    if path == "-":
        return sys.stdin.buffer.read(), None
    with open(path, "rb") as handle:
        data = handle.read()
        info = os.fstat(handle.fileno())  # after the read: a file changed meanwhile is newer, not older
    return data, (info.st_size, info.st_mtime_ns)


def lint_plain(source: "bytes | str", name: str, settings: Settings) -> List[Finding]:
    """`engine.lint`, with the findings turned into plain data (the tree is not kept alive)."""
    return [f.plain() for f in lint(source, name, settings)]


def run_task(task: Task, source: bytes, name: str, settings: Settings, ignored: Tuple[str, ...]) -> Outcome:
    """One file's work. Fixes lint with the run's settings, as CHECK does, and apply only the
    fixes of codes this file's per-file ignores leave enabled, so check and fix agree."""
    if is_notebook(name):
        return _notebook_task(task, source, name, settings, ignored)
    if task is Task.CHECK:
        return lint_plain(source, name, settings), None, []
    enabled = replace(settings, ignore=settings.ignore + ignored).is_enabled if ignored else None
    result = fix_source(source, name, settings, unsafe=task is Task.FIX_UNSAFE, enabled=enabled)
    fixed_source = result.source if result.changed else None
    return [f.plain() for f in result.remaining], fixed_source, [f.plain() for f in result.fixed]


def _notebook_task(task: Task, source: bytes, name: str, settings: Settings, ignored: Tuple[str, ...]) -> Outcome:
    """A notebook's code cells as one module (frontends/notebook.py); findings placed in their cells."""
    try:
        notebook = Notebook.load(source)
    except NotebookError as exc:
        return [internal_error_finding(f"cannot read this notebook ({exc}); aiolint did not check it")], None, []
    settings = replace(settings, top_level_await=True)
    if task is Task.CHECK:
        return [notebook.locate(f) for f in lint_plain(notebook.text, name, settings)], None, []
    enabled = replace(settings, ignore=settings.ignore + ignored).is_enabled if ignored else None
    result = fix_source(notebook.text, name, settings, unsafe=task is Task.FIX_UNSAFE, enabled=enabled)
    fixed_source = None
    if result.changed:
        assert isinstance(result.source, str)
        fixed_source = notebook.with_code(result.source)
        # the findings that remain are placed in the fixed notebook's cells
        notebook = Notebook.load(fixed_source)
        remaining = [notebook.locate(f.plain()) for f in lint(notebook.text, name, settings)]
    else:
        remaining = [notebook.locate(f.plain()) for f in result.remaining]
    return remaining, fixed_source, [f.plain() for f in result.fixed]


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class Progress:
    """A one-line counter on a terminal's stderr; silent when stderr is not a terminal."""

    def __init__(self, total: int, stream: Optional[TextIO] = None, enabled: Optional[bool] = None):
        self.stream = stream or sys.stderr
        if enabled is None:
            enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.enabled = enabled and total > 0
        self.total = total
        self.done = 0
        self._shown = False
        self._last = 0.0

    def advance(self) -> None:
        self.done += 1
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last >= 0.1 or self.done == self.total:
            self._last = now
            self.stream.write(f"\raiolint: {self.done}/{self.total} files")
            self.stream.flush()
            self._shown = True

    def clear(self) -> None:
        """Remove the line, so that other output starts on a clean line."""
        if self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False


# ----------------------------------------------------------------------- worker side
_worker_settings: Optional[Settings] = None
_worker_cache: Optional[Cache] = None
_worker_task = Task.CHECK

Job = Tuple[str, bytes, Optional[str], Tuple[str, ...]]  # name, source, cache key, per-file ignores


def _init_worker(settings: Settings, cache: Optional[Cache], task: Task = Task.CHECK) -> None:
    global _worker_settings, _worker_cache, _worker_task
    _worker_settings, _worker_cache, _worker_task = settings, cache, task
    project.use_cache_dir(cache.root if cache is not None else None)  # module summaries beside findings
    young_collections_only()


def young_collections_only() -> Tuple[int, int, int]:
    """For a process that lints file after file (a worker, `check -j 1`); gives the thresholds it replaced.

    What the project index builds up (summaries, answers: a long-lived heap without reference
    cycles) is never scanned again by a full collection of the cyclic GC: those cost 2-4 s of CPU on
    a cold Home Assistant check and found nothing. One file's cyclic garbage is young and still
    collected by the first two generations, and the interpreter's collection at exit still runs.
    flake8's process is not ours (the plugin only freezes what was imported), nor is the language
    server's, which lives for hours."""
    before = gc.get_threshold()
    gc.set_threshold(before[0], before[1], 1_000_000_000)
    return before


Stamps = List[Tuple[str, int, int]]  # the project files findings were read from


def _run_batch(batch: List[Job]) -> Tuple[List[Outcome], Stamps]:
    """The batch's outcomes, and what their findings were read from, all files together: the files
    of a batch share most of what they import, and the run record needs only the union."""
    assert _worker_settings is not None
    out = []
    read: Set[Tuple[str, int, int]] = set()
    for name, source, key, ignored in batch:
        outcome = run_task(_worker_task, source, name, _worker_settings, ignored)
        dependencies = project.last_dependencies()
        if _worker_cache is not None and key is not None:
            # Written where it was computed (spreads the I/O), with the project files it was read from.
            _worker_cache.put(key, outcome[0], dependencies)
        out.append(outcome)
        read.update(dependencies)
    return out, sorted(read)


# ----------------------------------------------------------------------- main side
def check_files(
    paths: Sequence[str],
    settings: Settings,
    *,
    stdin_filename: str = "<stdin>",
    jobs: Optional[int] = None,
    cache: Optional[Cache] = None,
    progress: Optional[bool] = None,
    progress_stream: Optional[TextIO] = None,
    task: Task = Task.CHECK,
    ignored_codes: Optional[Callable[[str], Tuple[str, ...]]] = None,
) -> Iterator[FileResult]:
    """Results in a stable order (the order the files are found).

    jobs: worker processes (None or 0: one per available core; 1: no pool).
    cache: where to look results up and store new ones (None: no cache; only CHECK is cached).
    progress: a file counter on stderr (None: only when stderr is a terminal).
    task: what to do with each file.
    ignored_codes: a file's per-file ignores (FIX applies no fix of those codes).
    """
    files = list(iter_python_files(paths))  # the counter needs a total
    if task is not Task.CHECK:
        cache = None
        files = _one_path_per_file(files)
    project.use_cache_dir(cache.root if cache is not None else None)
    record = None
    if cache is not None and len(files) >= MIN_FILES_FOR_RECORD and "-" not in files:
        record = cache.run_record(list(paths)).load()
    meter = Progress(len(files), progress_stream, progress)
    workers = jobs or default_jobs()
    thresholds = young_collections_only() if workers == 1 else None  # the files are linted here
    entries: List[FileResult] = []
    keys: List[Optional[str]] = []
    misses: List[int] = []
    ignores: List[Tuple[str, ...]] = []
    submitted: Dict[int, Tuple["Future[Tuple[List[Outcome], Stamps]]", int]] = {}  # file index -> (batch, place)
    pool: Optional[ProcessPoolExecutor] = None
    unsent: List[int] = []
    seen: Dict[str, Tuple[int, int]] = {}  # path -> (size, mtime_ns) when this run read it
    recorded: List[int] = []  # files the record holds, served from it once its stamps are checked
    from_record: Set[int] = set()

    def submit(indexes: List[int]) -> None:
        assert pool is not None
        jobs_ = [(entries[i].path, entries[i].source, keys[i], ignores[i]) for i in indexes]
        try:
            future = pool.submit(_run_batch, jobs_)
        except (BrokenProcessPool, RuntimeError, OSError):
            return  # the pool is gone: these files are linted here when their turn comes
        for place, i in enumerate(indexes):
            submitted[i] = (future, place)

    def look_up(index: int) -> None:
        """The entry of the file, or else hand it to the workers (in batches) or to this process."""
        nonlocal pool, unsent
        result, key = entries[index], keys[index]
        hit = cache.get(key) if cache is not None and key is not None else None
        if hit is not None:
            result.findings, result.cached = hit, True
            return
        if pool is not None and unsent and _batch_ends(unsent, entries, result.path):
            submit(unsent)
            unsent = []
        misses.append(index)
        unsent.append(index)
        if pool is None and workers > 1 and len(misses) == MIN_FILES_FOR_POOL:
            # Started only once there is enough to do (a warm cache needs no pool), and
            # before most sources are read, so that forked workers do not inherit them.
            pool = _start_pool(workers, settings, cache, task)

    try:
        # Read and look up everything first, handing misses to the workers as they turn up.
        for path in files:
            name = stdin_filename if path == "-" else path
            try:
                source, stamp = read_source(path)
            except OSError as exc:
                entries.append(FileResult(name, error=f"cannot read ({exc.strerror or exc})"))
                keys.append(None)
                ignores.append(())
                continue
            if stamp is not None:
                seen[path] = stamp
            entries.append(FileResult(name, source=source, from_stdin=path == "-"))
            keys.append(cache.key(source, name) if cache is not None else None)
            ignores.append(ignored_codes(name) if ignored_codes is not None and task is not Task.CHECK else ())
            if record is not None and record.holds(keys[-1]):
                recorded.append(len(entries) - 1)
            else:
                look_up(len(entries) - 1)
        if recorded:
            assert record is not None
            served = record.current(seen)  # now that the files it depends on have all been read
            for index in recorded:
                found = record.findings(keys[index]) if served else None
                if found is not None:
                    entries[index].findings, entries[index].cached = found, True
                    from_record.add(index)
                else:
                    look_up(index)
        if pool is not None and unsent:
            submit(unsent)

        # What the findings not served by the record were read from, for the next record.
        dependencies: Set[Tuple[str, int, int]] = set()
        merged: Dict[int, Stamps] = {}  # id -> each list merged (kept, so that no id is reused)
        for index, result in enumerate(entries):
            if result.error is None and not result.cached:
                outcome, stamps = _collect(index, result, keys[index], ignores[index], submitted, settings, cache, task)
                result.findings, result.fixed_source, result.fixed = outcome
                if record is not None and id(stamps) not in merged:  # a batch's files share one list
                    merged[id(stamps)] = stamps
                    dependencies.update(stamps)
            elif record is not None and result.cached and index not in from_record:
                dependencies.update(cache.dependencies(keys[index]))
            meter.advance()
            if result.findings or result.error is not None:
                meter.clear()  # findings go to stdout; do not print them over the counter
            yield result
        if record is not None and len(from_record) < len(keys) - keys.count(None):  # something new to record
            found = {keys[i]: r.findings for i, r in enumerate(entries) if keys[i] is not None and r.error is None}
            if from_record:
                dependencies.update(record.stamps)
            record.save(found, dependencies, list(seen))
    finally:
        meter.clear()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        if thresholds is not None:
            gc.set_threshold(*thresholds)


def _one_path_per_file(files: List[str]) -> List[str]:
    # Fixes are computed in parallel from what each path reads: two paths to one file (a
    # symlink inside the tree) would both fix the original, and the second write would fail.
    seen, unique = set(), []
    for path in files:
        real = path if path == "-" else os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            unique.append(path)
    return unique


def _collect(
    index: int,
    result: FileResult,
    key: Optional[str],
    ignored: Tuple[str, ...],
    submitted: Dict[int, Tuple["Future[Tuple[List[Outcome], Stamps]]", int]],
    settings: Settings,
    cache: Optional[Cache],
    task: Task,
) -> Tuple[Outcome, Stamps]:
    sent = submitted.get(index)
    if sent is not None:
        future, place = sent
        try:
            outcomes, stamps = future.result()
            return outcomes[place], stamps
        except Exception:
            # A worker died (killed, or crashed in native code) or failed: this file is linted here.
            pass
    assert result.source is not None
    outcome = run_task(task, result.source, result.path, settings, ignored)
    dependencies = project.last_dependencies()
    if cache is not None and key is not None:
        cache.put(key, outcome[0], dependencies)
    return outcome, dependencies


def _batch_ends(unsent: List[int], entries: List[FileResult], path: str) -> bool:
    """Does the batch being gathered end before the file at `path`? At BATCH files, but only where
    the directory changes (up to 4 BATCH): a package's modules then go to one worker, whose
    project index summarises the modules they import from each other once, not in every worker."""
    if len(unsent) < BATCH:
        return False
    return len(unsent) >= 4 * BATCH or os.path.dirname(entries[unsent[-1]].path) != os.path.dirname(path)


def _start_pool(
    workers: int, settings: Settings, cache: Optional[Cache], task: Task = Task.CHECK
) -> Optional[ProcessPoolExecutor]:
    try:
        return ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context(_start_method()),
            initializer=_init_worker,
            initargs=(settings, cache, task),
        )
    except (OSError, ValueError, ImportError):  # no processes to be had here: one process does it all
        return None


def _start_method() -> str:
    # fork starts workers with aiolint and LibCST already imported; elsewhere use the default.
    return "fork" if sys.platform.startswith("linux") else multiprocessing.get_start_method()

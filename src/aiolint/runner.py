"""Linting many files: the one place that turns paths into per-file results.

The CLI's `check` goes through `check_files`; parallelism, the result cache and
progress display belong here, not in the CLI or the engine.

How a run goes: the main process lists the files, reads each one and looks its
bytes up in the cache; only the misses are linted, in a pool of worker
processes when there are enough of them to pay for the pool. Results come back
in the order the files were found, whatever finished first. Findings that cross
a process boundary or go into the cache are plain data (`cache.plain_finding`):
no LibCST nodes, and fixes without their node replacements.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Sequence, TextIO, Tuple

from aiolint.cache import Cache, plain_finding
from aiolint.engine import lint_with_dependencies
from aiolint.semantics import project
from aiolint.files import iter_python_files
from aiolint.findings import Finding
from aiolint.settings import Settings

# Below this many files to lint, a pool costs more (start-up, pickling) than it saves.
MIN_FILES_FOR_POOL = 24
# Files per task: small enough to balance the workers (sizes vary a lot), big enough to amortise a task.
BATCH = 8


@dataclass
class FileResult:
    path: str  # as given on the command line, or the --stdin-filename for "-"
    findings: List[Finding] = field(default_factory=list)
    error: Optional[str] = None  # could not read the file
    source: Optional[bytes] = None
    cached: bool = False  # the findings came from the cache


def read_source(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    with open(path, "rb") as handle:
        return handle.read()


def lint_plain(source: bytes, name: str, settings: Settings) -> List[Finding]:
    """`engine.lint`, with the findings turned into plain data (the tree is not kept alive)."""
    return lint_plain_with_dependencies(source, name, settings)[0]


def lint_plain_with_dependencies(source: bytes, name: str, settings: Settings):
    """Plain findings, and the other project files they were read from (for the cache entry)."""
    findings, dependencies = lint_with_dependencies(source, name, settings)
    return [plain_finding(f) for f in findings], dependencies


def check_file(path: str, settings: Settings, display: Optional[str] = None) -> FileResult:
    name = display or path
    try:
        source = read_source(path)
    except OSError as exc:
        return FileResult(name, error=f"cannot read ({exc.strerror or exc})")
    return FileResult(name, lint_plain(source, name, settings), source=source)


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


def _init_worker(settings: Settings, cache: Optional[Cache]) -> None:
    global _worker_settings, _worker_cache
    _worker_settings, _worker_cache = settings, cache
    project.use_cache_dir(cache.root if cache is not None else None)  # module summaries beside findings


def _lint_batch(batch: List[Tuple[str, bytes, Optional[str]]]) -> List[List[Finding]]:
    assert _worker_settings is not None
    out = []
    for name, source, key in batch:
        findings, dependencies = lint_plain_with_dependencies(source, name, _worker_settings)
        if _worker_cache is not None and key is not None:
            _worker_cache.put(key, findings, dependencies)  # written where it was computed: spreads the I/O
        out.append(findings)
    return out


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
) -> Iterator[FileResult]:
    """Results in a stable order (the order the files are found).

    jobs: worker processes (None or 0: one per available core; 1: no pool).
    cache: where to look results up and store new ones (None: no cache).
    progress: a file counter on stderr (None: only when stderr is a terminal).
    """
    project.use_cache_dir(cache.root if cache is not None else None)
    files = list(iter_python_files(paths))  # the counter needs a total
    meter = Progress(len(files), progress_stream, progress)
    workers = jobs or default_jobs()
    entries: List[FileResult] = []
    keys: List[Optional[str]] = []
    misses: List[int] = []
    submitted: Dict[int, Tuple["Future[List[List[Finding]]]", int]] = {}  # file index -> (batch, place)
    pool: Optional[ProcessPoolExecutor] = None

    def submit(indexes: List[int]) -> None:
        assert pool is not None
        jobs_ = [(entries[i].path, entries[i].source, keys[i]) for i in indexes]
        try:
            future = pool.submit(_lint_batch, jobs_)
        except (BrokenProcessPool, RuntimeError, OSError):
            return  # the pool is gone: these files are linted here when their turn comes
        for place, i in enumerate(indexes):
            submitted[i] = (future, place)

    try:
        # Read and look up everything first, handing misses to the workers as they turn up.
        unsent: List[int] = []
        for path in files:
            name = stdin_filename if path == "-" else path
            try:
                source = read_source(path)
            except OSError as exc:
                entries.append(FileResult(name, error=f"cannot read ({exc.strerror or exc})"))
                keys.append(None)
                continue
            result = FileResult(name, source=source)
            key = None
            if cache is not None:
                key = cache.key(source)
                hit = cache.get(key)
                if hit is not None:
                    result.findings, result.cached = hit, True
            entries.append(result)
            keys.append(key)
            if result.cached:
                continue
            misses.append(len(entries) - 1)
            unsent.append(len(entries) - 1)
            if pool is None and workers > 1 and len(misses) == MIN_FILES_FOR_POOL:
                # Started only once there is enough to do (a warm cache needs no pool), and
                # before most sources are read, so that forked workers do not inherit them.
                pool = _start_pool(workers, settings, cache)
            if pool is not None and len(unsent) >= BATCH:
                submit(unsent)
                unsent = []
        if pool is not None and unsent:
            submit(unsent)

        for index, result in enumerate(entries):
            if result.error is None and not result.cached:
                result.findings = _collect(index, result, keys[index], submitted, settings, cache)
            meter.advance()
            if result.findings or result.error is not None:
                meter.clear()  # findings go to stdout; do not print them over the counter
            yield result
    finally:
        meter.clear()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _collect(
    index: int,
    result: FileResult,
    key: Optional[str],
    submitted: Dict[int, Tuple["Future[List[List[Finding]]]", int]],
    settings: Settings,
    cache: Optional[Cache],
) -> List[Finding]:
    sent = submitted.get(index)
    if sent is not None:
        future, place = sent
        try:
            return future.result()[place]
        except Exception:
            # A worker died (killed, or crashed in native code) or failed: this file is linted here.
            pass
    assert result.source is not None
    findings, dependencies = lint_plain_with_dependencies(result.source, result.path, settings)
    if cache is not None and key is not None:
        cache.put(key, findings, dependencies)
    return findings


def _start_pool(workers: int, settings: Settings, cache: Optional[Cache]) -> Optional[ProcessPoolExecutor]:
    try:
        return ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context(_start_method()),
            initializer=_init_worker,
            initargs=(settings, cache),
        )
    except (OSError, ValueError, ImportError):  # no processes to be had here: one process does it all
        return None


def _start_method() -> str:
    # fork starts workers with aiolint and LibCST already imported; elsewhere use the default.
    return "fork" if sys.platform.startswith("linux") else multiprocessing.get_start_method()

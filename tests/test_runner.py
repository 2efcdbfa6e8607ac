"""check_files: same results in the same order whatever the parallelism; plain data out."""
from __future__ import annotations

import io
import os
import pickle

import libcst

from aiolint.core import pipeline as engine
from aiolint.frontends import runner
from aiolint.frontends.runner import MIN_FILES_FOR_POOL, Progress, check_files
from aiolint.core.settings import Settings

SLEEPY = "import time\n\nasync def f():\n    time.sleep(1)\n"
SETTINGS = Settings(respect_noqa=True)


def _tree(tmp_path, count):
    for n in range(count):
        body = SLEEPY * (n % 4) if n % 3 else "def plain():\n    return 1\n"
        (tmp_path / f"m{n:03}.py").write_text(body)
    (tmp_path / "broken.py").write_text("import time\nasync def f(:\n    time.sleep(1)\n")
    return tmp_path


def _summary(results):
    return [(r.path, [(f.code, f.line, f.col, f.message) for f in r.findings], r.error) for r in results]


def test_a_pool_gives_the_serial_results_in_the_same_order(tmp_path):
    root = _tree(tmp_path, MIN_FILES_FOR_POOL * 2)
    serial = _summary(check_files([str(root)], SETTINGS, jobs=1))
    pooled = _summary(check_files([str(root)], SETTINGS, jobs=2))
    assert pooled == serial
    assert [path for path, _, _ in serial] == sorted(path for path, _, _ in serial)
    assert any(codes and codes[0][0] == "AIO000" for _, codes, _ in serial)


def test_results_are_plain_data(tmp_path):
    (tmp_path / "m.py").write_text(SLEEPY)
    [result] = check_files([str(tmp_path)], SETTINGS, jobs=1)
    [finding] = result.findings
    assert finding == finding.plain()
    assert finding.fix is not None and finding.fix.is_safe and finding.fix.replacements == ()
    assert pickle.loads(pickle.dumps(finding)) == finding


def test_an_unreadable_file_is_an_error_and_the_others_are_checked(tmp_path):
    (tmp_path / "m.py").write_text(SLEEPY)
    results = list(check_files([str(tmp_path / "missing.py"), str(tmp_path / "m.py")], SETTINGS, jobs=1))
    assert results[0].error and "cannot read" in results[0].error
    assert [f.code for f in results[1].findings] == ["AIO100"]


def test_files_without_async_code_are_never_parsed(tmp_path, monkeypatch):
    def explode(*args, **kwargs):
        raise AssertionError("LibCST parse ran on a file with nothing to find")

    monkeypatch.setattr(libcst, "parse_module", explode)
    monkeypatch.setattr(engine.cst, "parse_module", explode)
    blocking_but_sync = "import time, os, requests, subprocess\n\ndef f():\n    time.sleep(1)\n" * 20
    for n in range(5):
        (tmp_path / f"m{n}.py").write_text(blocking_but_sync)
    assert all(r.findings == [] for r in check_files([str(tmp_path)], SETTINGS, jobs=1))


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_only_on_a_terminal(tmp_path):
    _tree(tmp_path, 5)
    terminal, pipe = _Terminal(), io.StringIO()
    list(check_files([str(tmp_path)], SETTINGS, jobs=1, progress_stream=terminal))
    list(check_files([str(tmp_path)], SETTINGS, jobs=1, progress_stream=pipe))
    assert "6/6 files" in terminal.getvalue() and terminal.getvalue().endswith("\r\x1b[K")
    assert pipe.getvalue() == ""


def test_progress_line_is_cleared_before_findings_are_printed():
    stream = _Terminal()
    meter = Progress(2, stream)
    meter.advance()
    meter.clear()
    assert stream.getvalue() == "\raiolint: 1/2 files\r\x1b[K"
    meter.clear()  # nothing shown: nothing to clear
    assert stream.getvalue().count("\x1b[K") == 1


def test_a_dead_worker_does_not_lose_files(tmp_path, monkeypatch):
    root = _tree(tmp_path, MIN_FILES_FOR_POOL * 2)
    expected = _summary(check_files([str(root)], SETTINGS, jobs=1))
    real = runner.lint_plain
    parent = os.getpid()

    def dies_in_a_worker(source, name, settings):
        if name.endswith("m007.py") and os.getpid() != parent:
            os._exit(1)  # as if killed, or crashed in native code
        return real(source, name, settings)

    monkeypatch.setattr(runner, "lint_plain", dies_in_a_worker)
    assert _summary(check_files([str(root)], SETTINGS, jobs=2)) == expected


class _NoProcesses:
    def __init__(self, *args, **kwargs):
        pass

    def submit(self, *args, **kwargs):
        raise OSError("fork: Resource temporarily unavailable")

    def shutdown(self, **kwargs):
        pass


def test_no_processes_to_be_had_means_one_process_does_it_all(tmp_path, monkeypatch):
    root = _tree(tmp_path, MIN_FILES_FOR_POOL * 2)
    expected = _summary(check_files([str(root)], SETTINGS, jobs=1))
    monkeypatch.setattr(runner, "ProcessPoolExecutor", _NoProcesses)
    assert _summary(check_files([str(root)], SETTINGS, jobs=2)) == expected


def test_serial_check_runs_without_full_collections_and_gives_the_thresholds_back(tmp_path):
    import gc

    (tmp_path / "a.py").write_text("import time\n\nasync def f():\n    time.sleep(1)\n")
    before = gc.get_threshold()
    seen = []
    for _ in check_files([str(tmp_path)], Settings(), jobs=1):
        seen.append(gc.get_threshold())
    assert seen and seen[0][:2] == before[:2] and seen[0][2] >= 10**9
    assert gc.get_threshold() == before

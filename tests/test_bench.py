"""benchmarks/bench.py: the cheap helpers always; an end-to-end smoke run opt-in (`pytest -m slow`)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest

from benchmarks import bench, corpus, measure
from conftest import ROOT


def test_measure_reports_the_childs_cpu_and_memory():
    spin = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass\n"
    spin += "print('x.py:1:1: AIO100 m')"
    run = measure.measure("spin", [sys.executable, "-c", spin])
    assert run.returncode == 0
    assert 0.25 <= run.cpu < 5 and run.wall >= 0.25
    assert run.rss_mb > 1 and run.tree_mb > 1
    assert run.codes() == {"AIO100": 1}


def test_child_programs_are_real_files_the_sections_run():
    children = sorted(measure.CHILDREN.glob("*.py"))
    assert {c.name for c in children} == {"breakdown.py", "profile_lint.py", "scaling.py"}
    for child in children:
        compile(child.read_bytes(), str(child), "exec", dont_inherit=True)
    used = set(re.findall(r'CHILDREN / "([\w.]+)"', (ROOT / "benchmarks" / "sections.py").read_text()))
    assert used == {c.name for c in children}


def test_unknown_section_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        bench.main(["--only", "nonsense", "--output", "-"])
    assert exit_.value.code == 2 and "unknown section(s): nonsense" in capsys.readouterr().err


def test_snapshot_is_importable_and_flake8_finds_the_plugin(tmp_path):
    root = measure.snapshot()
    try:
        env = dict(os.environ, PYTHONPATH=str(root))
        out = subprocess.run(
            [sys.executable, "-c", "import aiolint, importlib.metadata as m; print(aiolint.__file__);"
             "print([e.name for e in m.entry_points(group='flake8.extension') if e.value.startswith('aiolint')])"],
            env=env, capture_output=True, text=True, cwd=tmp_path,
        ).stdout
        assert str(root) in out and "AIO" in out
    finally:
        import shutil

        shutil.rmtree(root, ignore_errors=True)


_CORPUS_READY = all((corpus.CORPUS / f"{corpus.normalize(n)}-{v}" / ".complete").exists()
                    for n, v in corpus.PINNED.items())


@pytest.mark.slow
@pytest.mark.skipif("'slow' not in config.getoption('markexpr')", reason="run with -m slow")
@pytest.mark.skipif(not _CORPUS_READY, reason="corpus not downloaded (python benchmarks/corpus.py)")
def test_smoke_run_writes_markdown(tmp_path):
    started = time.monotonic()
    out = tmp_path / "results.md"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--only", "scaling,triggers",
         "--scaling-max", "10", "--output", str(out)],
        check=True, timeout=900,
    )
    text = out.read_text()
    assert "## 3. Growth with input" in text and "## Text pre-check" in text and "| 10x |" in text
    assert time.monotonic() - started < 900

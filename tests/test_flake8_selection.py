"""Inside flake8, rules whose codes flake8 would drop do not run; what users see is unchanged."""
from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from aiolint.core import pipeline as engine
from aiolint.frontends.flake8_plugin import AiolintPlugin, reported_codes
from aiolint.rules import all_rules

SLEEPY = "import time\n\nasync def f():\n    time.sleep(1)\n"
HELPER = (
    "def load(path):\n    with open(path) as f:\n        return f.read()\n\n\n"
    "async def handler():\n    return load('x')\n"
)
ALL = tuple(rule.code for rule in all_rules())


def _options(select=None, ignore=None, extend_select=None, extend_ignore=None):
    return argparse.Namespace(
        select=select,
        ignore=ignore,
        extend_select=extend_select,
        extend_ignore=extend_ignore,
        extended_default_select=["AIO", "C90", "E", "F", "W"],
        extended_default_ignore=[],
        aio_blocking_calls=[],
        aio_target_version="",
        aio_prefer_taskgroup=False,
    )


@pytest.mark.parametrize(
    "options, expected",
    [
        (_options(), ()),
        (_options(select=["E", "W", "F"]), ("AIO000",)),
        (_options(select=["E", "AIO1"]), tuple(c for c in ALL if c.startswith("AIO1"))),
        (_options(extend_ignore=["AIO4"]), tuple(c for c in ALL if not c.startswith("AIO4"))),
        (_options(ignore=["AIO"], extend_select=["AIO100"]), ("AIO100",)),
    ],
)
def test_reported_codes_follow_flake8s_decision(options, expected):
    assert reported_codes(options) == expected


def test_unknown_options_run_everything():
    assert reported_codes(object()) == ()


def test_nothing_selected_means_no_parse(monkeypatch):
    def explode(source):
        raise AssertionError("parsed a file none of whose codes flake8 reports")

    monkeypatch.setattr(engine, "parse", explode)
    monkeypatch.setattr(AiolintPlugin, "settings", AiolintPlugin.settings)
    AiolintPlugin.parse_options(_options(select=["E", "F"]))
    assert list(AiolintPlugin(None, "m.py", SLEEPY.splitlines(True)).run()) == []


def _flake8(tmp_path, source, *flags):
    path = tmp_path / "m.py"
    path.write_text(source)
    out = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", *flags, str(path)], capture_output=True, text=True
    ).stdout
    return sorted(line.split(": ", 1)[1].split()[0] for line in out.splitlines() if ": AIO" in line)


def test_flake8_output_is_what_it_was(tmp_path):
    assert _flake8(tmp_path, SLEEPY) == ["AIO100"]
    assert _flake8(tmp_path, SLEEPY, "--select", "E,F") == []
    assert _flake8(tmp_path, SLEEPY, "--select", "AIO100") == ["AIO100"]
    # AIO107 still sees through helpers into open() when AIO103 is dropped by flake8.
    assert _flake8(tmp_path, HELPER, "--select", "AIO107") == ["AIO107"]
    assert _flake8(tmp_path, HELPER, "--extend-ignore", "AIO103") == _flake8(tmp_path, HELPER) == ["AIO107"]

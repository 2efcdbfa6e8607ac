"""AIO106 reads its names from the configuration the way users write it."""
from __future__ import annotations

import subprocess
import sys

import pytest

from aiolint.core import pipeline as engine
from aiolint.frontends.cli import main
from aiolint.rules.configured_blocking_call import ConfiguredBlockingCall
from aiolint.core.settings import Settings, parse_blocking_calls

SOURCE = """\
import legacy_sdk
import vendor.client


async def sync_account(user):
    legacy_sdk.fetch_account(user)
    vendor.client.fetch(user)
    vendor.client.other(user)
"""


@pytest.fixture
def project(tmp_path):
    (tmp_path / "mod.py").write_text(SOURCE)
    return tmp_path


def _flake8(cwd):
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "AIO106", "mod.py"],
        cwd=cwd, capture_output=True, text=True, check=False,
    )


def test_flake8_reads_the_names_from_setup_cfg(project):
    assert _flake8(project).stdout == "", "nothing configured, nothing reported"
    (project / "setup.cfg").write_text(
        "[flake8]\naio-blocking-calls =\n    legacy_sdk.*=legacy_sdk.aio,\n    vendor.client.fetch\n"
    )
    result = _flake8(project)
    lines = result.stdout.splitlines()
    assert result.returncode == 1, result.stderr
    assert [line.split(":")[1] for line in lines] == ["6", "7"]
    assert lines[0].endswith("legacy_sdk.fetch_account() blocks the event loop in async function "
                             "'sync_account'; use legacy_sdk.aio")
    assert "vendor.client.fetch()" in lines[1] and "asyncio.to_thread(vendor.client.fetch, user)" in lines[1]


def test_cli_flag(project, capsys):
    args = ["check", "--select", "AIO106", "--aio-blocking-calls", "vendor.client.*", str(project / "mod.py")]
    assert main(args) == 1
    out = capsys.readouterr().out
    assert [line.split(":")[1] for line in out.splitlines()] == ["7", "8"]


def test_nothing_configured_means_no_parse(monkeypatch):
    calls = []
    real = engine.parse
    monkeypatch.setattr(engine, "parse", lambda source: calls.append(1) or real(source))
    assert engine.lint(SOURCE, settings=Settings(select=("AIO106",))) == []
    assert calls == []


@pytest.mark.parametrize(
    "configured, triggered",
    [
        ("legacy_sdk.*", True),
        ("vendor.client.fetch", True),
        ("other_sdk.fetch", False),
        ("input", False),  # a builtin: its word must occur
        ("builtins.print", False),
    ],
)
def test_trigger_comes_from_the_configured_names(configured, triggered):
    settings = Settings(blocking_calls=parse_blocking_calls(configured))
    assert ConfiguredBlockingCall.is_triggered(SOURCE, settings) is triggered


def test_exact_name_wins_over_a_pattern():
    settings = Settings(
        select=("AIO106",),
        blocking_calls=parse_blocking_calls("vendor.*=vendor.aio, vendor.client.fetch=vendor.fast.fetch"),
    )
    messages = [f.message for f in engine.lint(SOURCE, settings=settings)]
    assert [m.rsplit("; use ", 1)[1] for m in messages] == ["vendor.fast.fetch", "vendor.aio"]


def test_cli_reads_pyproject(project):
    (project / "pyproject.toml").write_text('[tool.aiolint]\nblocking-calls = ["legacy_sdk.*=legacy_sdk.aio"]\n')
    result = subprocess.run(
        [sys.executable, "-m", "aiolint", "check", "--select", "AIO106", "mod.py"],
        cwd=project, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 1, result.stderr
    assert [line.split(":")[1] for line in result.stdout.splitlines()] == ["6"]

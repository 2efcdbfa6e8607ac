"""flake8 integration, through the real `flake8` command as users and editors run it."""
from __future__ import annotations

import subprocess
import sys

import pytest

from aiolint.frontends.cli import main

SOURCE = """\
import time

import requests


async def poll(url):
    time.sleep(0.5)
    time.sleep(1)  # noqa: AIO100
    requests.get(url)
    legacy_sdk.fetch(url)  # noqa: F821
"""


def flake8(*args, cwd, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


def flake8_with_config(*args, cwd, stdin=None):
    """Without --isolated, so that the directory's setup.cfg is read."""
    return subprocess.run(
        [sys.executable, "-m", "flake8", *args], cwd=cwd, input=stdin, capture_output=True, text=True, check=False
    )


@pytest.fixture
def project(tmp_path):
    (tmp_path / "mod.py").write_text(SOURCE)
    return tmp_path


def test_plugin_is_listed_in_version():
    result = subprocess.run([sys.executable, "-m", "flake8", "--version"], capture_output=True, text=True)
    assert "aiolint:" in result.stdout


def test_findings_and_noqa(project):
    result = flake8("--select", "AIO", "mod.py", cwd=project)
    lines = result.stdout.splitlines()
    assert result.returncode == 1
    assert [line.split(" ")[1] for line in lines] == ["AIO100", "AIO101"]
    assert lines[0].startswith("mod.py:7:5: AIO100 time.sleep() blocks the event loop")


def test_stdin_mode_as_editors_call_it(project):
    result = flake8("--select", "AIO", "-", "--stdin-display-name", "editor_buffer.py", cwd=project, stdin=SOURCE)
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == ["editor_buffer.py"] * 2


def test_parallel_workers_report_the_same(project):
    for index in range(4):
        (project / f"copy{index}.py").write_text(SOURCE)
    serial = flake8("--select", "AIO", "-j", "1", ".", cwd=project).stdout.splitlines()
    parallel = flake8("--select", "AIO", "-j", "2", ".", cwd=project).stdout.splitlines()
    assert sorted(serial) == sorted(parallel)
    assert len(serial) == 10


def test_options_are_registered():
    result = subprocess.run([sys.executable, "-m", "flake8", "--help"], capture_output=True, text=True)
    for option in ("--aio-blocking-calls", "--aio-target-version", "--aio-prefer-taskgroup"):
        assert option in result.stdout


def test_config_option_is_read_from_setup_cfg(project):
    # A value flake8 only sees through setup.cfg must reach the plugin: a bad one is refused.
    (project / "setup.cfg").write_text("[flake8]\naio-target-version = not-a-version\n")
    result = flake8_with_config("--select", "AIO", "mod.py", cwd=project)
    assert result.returncode != 0
    assert "not-a-version" in result.stdout + result.stderr
    (project / "setup.cfg").write_text("[flake8]\naio-target-version = 3.11\n")
    assert flake8_with_config("--select", "AIO", "mod.py", cwd=project).returncode == 1


def test_flake8_and_cli_report_identical_findings(project, capsys):
    result = flake8("--select", "AIO", "mod.py", cwd=project)
    assert main(["check", str(project / "mod.py")]) == 1
    cli_lines = [line.replace(str(project) + "/", "") for line in capsys.readouterr().out.splitlines()]
    assert result.stdout.splitlines() == cli_lines


def test_plugin_is_silent_on_clean_code(tmp_path):
    (tmp_path / "clean.py").write_text("import asyncio\n\nasync def f():\n    await asyncio.sleep(1)\n")
    result = flake8("--select", "AIO", "clean.py", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout == ""

"""The `aiolint` command: exit codes, stdin, rule docs, usage errors."""
from __future__ import annotations

import io
import os
import shlex
import subprocess
import sys
import sysconfig

import pytest

from aiolint.frontends.cli import main
from aiolint.frontends.docs import render_rule
from aiolint.rules import all_rules, get_rule

# The console script of this environment, not whichever `aiolint` comes first on PATH.
AIOLINT = os.path.join(sysconfig.get_path("scripts"), "aiolint")

SLEEPY = "import time\n\nasync def f():\n    time.sleep(1)\n"


def test_exit_codes(tmp_path, capsys):
    clean = tmp_path / "clean.py"
    clean.write_text("async def f():\n    return 1\n")
    dirty = tmp_path / "dirty.py"
    dirty.write_text(SLEEPY)
    assert main(["check", str(clean)]) == 0
    assert main(["check", str(dirty)]) == 1
    assert main(["check", str(tmp_path / "missing.py")]) == 2
    assert "cannot read" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["check", "--no-such-flag", str(clean)])
    assert usage.value.code == 2


def test_directories_are_recursed_with_default_excludes(tmp_path, capsys):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text(SLEEPY)
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "b.py").write_text(SLEEPY)
    assert main(["check", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "a.py:4:5: AIO100" in out and ".venv" not in out


def test_select_and_ignore(tmp_path, capsys):
    path = tmp_path / "m.py"
    path.write_text("import time, requests\n\nasync def f():\n    time.sleep(1)\n    requests.get('u')\n")
    main(["check", "--select", "AIO101", str(path)])
    assert [line.split()[1] for line in capsys.readouterr().out.splitlines()] == ["AIO101"]
    main(["check", "--ignore", "AIO101", str(path)])
    assert [line.split()[1] for line in capsys.readouterr().out.splitlines()] == ["AIO100"]


def test_noqa_is_respected(tmp_path, capsys):
    path = tmp_path / "m.py"
    path.write_text(
        "import time\n\nasync def f():\n    time.sleep(1)  # noqa\n    time.sleep(2)  # noqa: AIO1\n"
        "    time.sleep(3)  # noqa: E501\n"
    )
    assert main(["check", str(path)]) == 1
    assert [line.split(":")[1] for line in capsys.readouterr().out.splitlines()] == ["6"]


def test_stdin_with_filename(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(SLEEPY.encode())))
    assert main(["check", "-", "--stdin-filename", "buffer.py"]) == 1
    assert capsys.readouterr().out.startswith("buffer.py:4:5: AIO100")


def test_rule_and_rules(capsys):
    assert main(["rule", "AIO100"]) == 0
    assert capsys.readouterr().out.strip() == render_rule(get_rule("AIO100")).strip()
    assert main(["rules"]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()] == [r.code for r in all_rules()]
    assert main(["rule", "AIO999"]) == 2


def test_console_script_runs():
    result = subprocess.run([AIOLINT, "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("aiolint ")


def test_bad_target_version_is_a_usage_error(tmp_path, capsys):
    path = tmp_path / "m.py"
    path.write_text(SLEEPY)
    assert main(["check", "--target-version", "three", str(path)]) == 2
    assert "invalid Python version 'three'" in capsys.readouterr().err


def test_bad_format_is_a_usage_error():
    for argv in (["check", "--format", "xml", "x.py"], ["fix", "--format", "json", "x.py"]):
        with pytest.raises(SystemExit) as usage:
            main(argv)
        assert usage.value.code == 2


MIXED = (
    "import time, requests\n\nasync def f(u):\n    time.sleep(1)\n    time.sleep(2)\n"
    "    requests.get(u)\n    requests.post(u)\n    requests.put(u)  # noqa: AIO101\n"
)


def test_fix_summary_and_exit_codes(tmp_path, capsys):
    path = tmp_path / "m.py"
    path.write_text(MIXED)
    only = ["--select", "AIO100,AIO101"]  # other rules may fire on the fixed code (AIO400)
    assert main(["fix", *only, "--diff", str(path)]) == 1  # something to fix
    captured = capsys.readouterr()
    assert captured.err.strip().endswith("would fix 2, 2 remaining (2 have unsafe fixes)")
    assert path.read_text() == MIXED
    assert main(["fix", *only, str(path)]) == 1  # findings remain
    captured = capsys.readouterr()
    assert captured.err.strip().endswith("fixed 2, 2 remaining (2 have unsafe fixes)")
    assert [line.split()[1] for line in captured.out.splitlines()] == ["AIO101", "AIO101"]
    assert main(["fix", *only, "--diff", str(path)]) == 1  # nothing to fix, but findings remain
    assert capsys.readouterr().out == ""
    assert main(["fix", *only, "--unsafe-fixes", str(path)]) == 0
    assert capsys.readouterr().err.strip().endswith("fixed 2, 0 remaining")
    assert "requests.put(u)  # noqa: AIO101" in path.read_text()  # noqa is honoured by fix too
    assert main(["fix", *only, "--diff", str(path)]) == 0
    assert main(["check", *only, str(path)]) == 0


def test_fix_from_stdin_writes_the_fixed_source_to_stdout(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(MIXED.encode())))
    assert main(["fix", "-", "--stdin-filename", "buffer.py"]) == 1
    captured = capsys.readouterr()
    assert "await asyncio.sleep(1)" in captured.out and "requests.get(u)" in captured.out
    assert "buffer.py:" in captured.err and "buffer.py:" not in captured.out


def test_rule_aio000_is_explained(capsys):
    assert main(["rule", "AIO000"]) == 0
    assert capsys.readouterr().out.startswith("## AIO000 internal-error")


def test_help_agrees_with_the_subcommands():
    for command in ("check", "fix"):
        result = subprocess.run([AIOLINT, command, "--help"], capture_output=True, text=True)
        assert result.returncode == 0
        for flag in ("--select", "--ignore", "--per-file-ignores", "--exclude", "--config", "--stdin-filename"):
            assert flag in result.stdout
    check_help = subprocess.run([AIOLINT, "check", "--help"], capture_output=True, text=True).stdout
    assert "--output-format {text,full,json,sarif,github}, --format" in check_help and "--exit-zero" in check_help


def test_output_piped_into_a_closed_reader_ends_quietly(tmp_path):
    for index in range(300):
        (tmp_path / f"m{index}.py").write_text(SLEEPY)
    result = subprocess.run(
        f"{shlex.quote(AIOLINT)} check --no-cache {tmp_path} | head -n 1", shell=True, capture_output=True, text=True
    )
    assert result.stdout.count("AIO100") == 1
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr

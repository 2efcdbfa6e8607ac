"""The `aiolint` command: exit codes, stdin, rule docs, usage errors."""
from __future__ import annotations

import io
import subprocess
import sys

import pytest

from aiolint.cli import main
from aiolint.docs import render_rule
from aiolint.rules import all_rules, get_rule

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
    result = subprocess.run(["aiolint", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("aiolint ")


def test_bad_target_version_is_a_usage_error(tmp_path):
    path = tmp_path / "m.py"
    path.write_text(SLEEPY)
    with pytest.raises(SystemExit) as usage:
        main(["check", "--target-version", "three", str(path)])
    assert usage.value.code == 2

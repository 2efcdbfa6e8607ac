"""[tool.aiolint] discovery and precedence, exclude, per-file-ignores and .gitignore."""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from aiolint.frontends.cli import main
from aiolint.frontends.config import ConfigError, find_config, resolve

SLEEPY_AND_HTTP = "import time, requests\n\nasync def f():\n    time.sleep(1)\n    requests.get('u')\n"


def codes(out: str):
    return sorted(line.split()[1] for line in out.splitlines() if line.strip())


def paths(out: str):
    return sorted({line.split(":")[0] for line in out.splitlines() if line.strip()})


@pytest.fixture
def project(tmp_path, monkeypatch):
    """proj/pyproject.toml + proj/pkg/sub/m.py; the working directory is elsewhere."""
    root = tmp_path / "proj"
    (root / "pkg" / "sub").mkdir(parents=True)
    (root / "pkg" / "sub" / "m.py").write_text(SLEEPY_AND_HTTP)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    return root


def write_config(directory, body: str):
    (directory / "pyproject.toml").write_text(f"[project]\nname = 'x'\n\n[tool.aiolint]\n{body}\n")


def test_config_is_found_by_walking_up_from_the_linted_path(project, capsys):
    write_config(project, 'ignore = ["AIO101"]')
    assert main(["check", str(project / "pkg" / "sub" / "m.py")]) == 1
    assert codes(capsys.readouterr().out) == ["AIO100"]
    assert main(["check", str(project / "pkg")]) == 1  # a directory too
    assert codes(capsys.readouterr().out) == ["AIO100"]


def test_nearest_file_with_an_aiolint_table_wins(project):
    write_config(project, 'ignore = ["AIO101"]')
    (project / "pkg" / "pyproject.toml").write_text("[project]\nname = 'no-aiolint-table'\n")
    write_config(project / "pkg" / "sub", 'ignore = ["AIO100"]')
    assert find_config(project / "pkg" / "sub") == (project / "pkg" / "sub" / "pyproject.toml").resolve()
    (project / "pkg" / "sub" / "pyproject.toml").unlink()
    # pkg/pyproject.toml has no [tool.aiolint]: the search goes on past it.
    assert find_config(project / "pkg" / "sub") == (project / "pyproject.toml").resolve()


def test_command_line_flags_win_over_the_file(project, capsys):
    write_config(project, 'select = ["AIO100"]\nprefer-taskgroup = true')
    target = str(project / "pkg")
    main(["check", target])
    assert codes(capsys.readouterr().out) == ["AIO100"]
    main(["check", "--select", "AIO101", target])  # replaces the file's select
    assert codes(capsys.readouterr().out) == ["AIO101"]
    write_config(project, 'ignore = ["AIO101"]\nselect = ["AIO1"]\nprefer-taskgroup = true')
    main(["check", "--ignore", "", target])  # an empty flag still replaces
    assert codes(capsys.readouterr().out) == ["AIO100", "AIO101"]
    assert resolve([target], {}).settings.prefer_taskgroup is True
    assert resolve([target], {"prefer-taskgroup": False}).settings.prefer_taskgroup is False
    config = resolve([target], {"ignore": "AIO100"})
    assert config.settings.ignore == ("AIO100",) and config.sources["ignore"] == "command line"
    assert config.sources["select"].endswith("pyproject.toml")


def test_isolated_and_explicit_config(project, tmp_path, capsys):
    write_config(project, 'ignore = ["AIO101"]')
    other = tmp_path / "other.toml"
    other.write_text('[tool.aiolint]\nignore = ["AIO100"]\n')
    target = str(project / "pkg")
    main(["check", "--isolated", target])
    assert codes(capsys.readouterr().out) == ["AIO100", "AIO101"]
    main(["check", "--config", str(other), target])
    assert codes(capsys.readouterr().out) == ["AIO101"]


def test_every_key_reaches_the_settings(project):
    write_config(
        project,
        'select = ["AIO"]\nignore = ["AIO4"]\nblocking-calls = ["legacy.fetch=legacy.aio.fetch", "vendor.*"]\n'
        'target-version = "3.10"\nprefer_taskgroup = true\nrespect-gitignore = false\n'
        'exclude = ["gen"]\nper-file-ignores = {"tests/*" = ["AIO100"]}',
    )
    config = resolve([str(project / "pkg")], {})
    settings = config.settings
    assert settings.select == ("AIO",) and settings.ignore == ("AIO4",)
    assert settings.blocking_calls == (("legacy.fetch", "legacy.aio.fetch"), ("vendor.*", None))
    assert settings.target_version == (3, 10) and settings.prefer_taskgroup is True
    assert settings.respect_noqa is True  # the CLI honours # noqa
    assert config.respect_gitignore is False and config.exclude == ("gen",)
    assert config.per_file_ignores == (("tests/*", ("AIO100",)),)


@pytest.mark.parametrize(
    "body, message",
    [
        ("colour = 'blue'", "unknown key(s) colour"),
        ("target-version = 3.10", "must be a string"),
        ("select = 3", "select must be a list of strings"),
        ("prefer-taskgroup = 'yes'", "prefer-taskgroup must be true or false"),
        ("target-version = 'three'", "invalid Python version"),
        ("per-file-ignores = ['tests']", "is not 'pattern:CODES'"),
        ("select = [", "not valid TOML"),
    ],
)
def test_bad_configuration_is_an_error_naming_the_file(project, capsys, body, message):
    write_config(project, body)
    assert main(["check", str(project / "pkg")]) == 2
    err = capsys.readouterr().err
    assert message in err
    if "unknown" in message or "TOML" in message:
        assert str(project / "pyproject.toml") in err or "pyproject.toml" in err


def test_unknown_key_raises_config_error(project):
    write_config(project, "colour = 'blue'")
    with pytest.raises(ConfigError):
        resolve([str(project)], {})


def test_per_file_ignores_from_the_file_and_the_command_line(project, capsys):
    (project / "tests").mkdir()
    (project / "tests" / "test_m.py").write_text(SLEEPY_AND_HTTP)
    write_config(project, '[tool.aiolint.per-file-ignores]\n"tests/*" = ["AIO100"]\n"m.py" = "AIO101"')
    main(["check", str(project)])
    out = capsys.readouterr().out
    by_file = {p: codes("\n".join(line for line in out.splitlines() if line.startswith(p))) for p in paths(out)}
    assert by_file == {
        str(project / "pkg" / "sub" / "m.py"): ["AIO100"],
        str(project / "tests" / "test_m.py"): ["AIO101"],
    }
    # flake8's string form, relative to the working directory when given as a flag.
    os.chdir(project)
    main(["check", "--per-file-ignores", "tests/*:AIO101 pkg/*:AIO1", "."])
    out = capsys.readouterr().out
    assert codes(out) == ["AIO100"] and paths(out) == ["./tests/test_m.py"]


def test_per_file_ignores_apply_to_fix(project, capsys):
    write_config(project, '[tool.aiolint.per-file-ignores]\n"pkg/*" = ["AIO100"]')
    target = project / "pkg" / "sub" / "m.py"
    assert main(["fix", str(target)]) == 1  # AIO101 remains (its fix is unsafe)
    assert "time.sleep(1)" in target.read_text()  # AIO100 is ignored here, so not fixed


def test_exclude_patterns_for_directories_and_named_files(project, capsys):
    (project / "generated").mkdir()
    (project / "generated" / "g.py").write_text(SLEEPY_AND_HTTP)
    (project / "pkg" / "models_pb2.py").write_text(SLEEPY_AND_HTTP)
    write_config(project, 'exclude = ["generated", "*_pb2.py", "pkg/sub/"]')
    assert main(["check", str(project)]) == 0
    assert capsys.readouterr().out == ""
    # Named files are skipped too (pre-commit names files), and so are files below an excluded dir.
    assert main(["check", str(project / "generated" / "g.py"), str(project / "pkg" / "sub" / "m.py")]) == 0
    assert main(["check", str(project / "generated")]) == 0  # a named directory as well
    # The command line replaces the file's patterns.
    main(["check", "--exclude", "generated", str(project)])
    assert paths(capsys.readouterr().out) == sorted(
        [str(project / "pkg" / "models_pb2.py"), str(project / "pkg" / "sub" / "m.py")]
    )


def test_builtin_excludes_still_apply(project, capsys):
    (project / "build").mkdir()
    (project / "build" / "b.py").write_text(SLEEPY_AND_HTTP)
    (project / "x.egg-info").mkdir()
    (project / "x.egg-info" / "e.py").write_text(SLEEPY_AND_HTTP)
    main(["check", str(project)])
    assert paths(capsys.readouterr().out) == [str(project / "pkg" / "sub" / "m.py")]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_gitignore_is_respected_while_searching(project, capsys):
    def git(*args):
        subprocess.run(["git", *args], cwd=project, check=True, capture_output=True)

    git("init", "-q")
    (project / ".gitignore").write_text("ignored.py\nscratch/\n")
    (project / "ignored.py").write_text(SLEEPY_AND_HTTP)
    (project / "scratch").mkdir()
    (project / "scratch" / "s.py").write_text(SLEEPY_AND_HTTP)
    (project / "pkg" / ".gitignore").write_text("sub/local_*.py\n")  # nested .gitignore
    (project / "pkg" / "sub" / "local_x.py").write_text(SLEEPY_AND_HTTP)
    git("add", "pkg/sub/m.py")  # tracked files are never ignored; untracked ones are seen too
    main(["check", str(project)])
    assert paths(capsys.readouterr().out) == [str(project / "pkg" / "sub" / "m.py")]
    main(["check", "--no-respect-gitignore", str(project)])
    assert len(paths(capsys.readouterr().out)) == 4
    main(["check", str(project / "ignored.py")])  # a named file is checked
    assert paths(capsys.readouterr().out) == [str(project / "ignored.py")]
    main(["check", str(project / "scratch")])  # and so is a named directory git ignores as a whole
    assert paths(capsys.readouterr().out) == [str(project / "scratch" / "s.py")]


def test_stdin_uses_the_stdin_filename_for_discovery_and_per_file_ignores(project, monkeypatch, capsys):
    import io
    import sys

    write_config(project, '[tool.aiolint.per-file-ignores]\n"pkg/*" = ["AIO101"]')
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(SLEEPY_AND_HTTP.encode())))
    name = str(project / "pkg" / "buffer.py")
    assert main(["check", "-", "--stdin-filename", name]) == 1
    out = capsys.readouterr().out
    assert codes(out) == ["AIO100"] and paths(out) == [name]

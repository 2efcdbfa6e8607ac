"""No crash, anywhere: odd bytes, odd files and odd paths through the engine, the CLI and flake8.

Every input goes through `engine.lint`, `engine.fix_source` (safe and unsafe), the flake8
plugin class and the CLI's check and fix. The contract: at most one AIO000 per file, nothing
raised, a fixed file always parses, an unparsable file is never touched.
"""
from __future__ import annotations

import ast
import os
import random
import subprocess
import sys
import time

import libcst as cst
import pytest

from aiolint.core import pipeline as engine
from aiolint.frontends.cli import main
from aiolint.frontends.flake8_plugin import AiolintPlugin
from aiolint.rules import all_rules

SLEEPY = "import time\n\nasync def f():\n    time.sleep(1)\n"
CODES = {rule.code for rule in all_rules()} | {"AIO000"}
# Opt-in: `pytest -m slow`. The default run (no -m) skips these.
_SKIP_UNLESS_SELECTED = pytest.mark.skipif("'slow' not in config.getoption('markexpr')", reason="run with -m slow")


def SLOW(test):  # noqa: N802 (reads as a marker)
    return pytest.mark.slow(_SKIP_UNLESS_SELECTED(test))


# Cases that are slow by nature; the CLI tests leave them to the engine tests.
HEAVY = {"and-chain-8000", "unary-chain-1500", "elif-chain-1500", "brackets-5000", "nesting-300"}


def _nested_ifs(levels: int, body: str = "time.sleep(1)") -> str:
    return "import time\nasync def f():\n" + "".join(
        " " * (i + 1) + "if x:\n" for i in range(levels)
    ) + " " * (levels + 1) + body + "\n"


def _random_blobs():
    rng = random.Random(9)
    return [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400))) for _ in range(6)]


# name -> (source, what lint must report: a code, "AIO000", or None for "whatever, but no crash")
CASES = {
    "empty": (b"", []),
    "only-newlines": (b"\n\n\n", []),
    "no-trailing-newline": (SLEEPY.rstrip("\n").encode(), ["AIO100"]),
    "nul-bytes": (b"import time\nasync def f():\n    time.sleep(1)\n\x00\x00\n", ["AIO000"]),
    "nul-in-string": (b"import time\nasync def f():\n    time.sleep(1)\n    x = '\x00'\n", None),
    "invalid-utf8": (b"import time\nasync def f():\n    time.sleep(1)  # \xff\xfe\n", ["AIO000"]),
    "unknown-codec": (b"# -*- coding: no-such-codec -*-\n" + SLEEPY.encode(), ["AIO000"]),
    "latin-1-cookie": (
        "# -*- coding: latin-1 -*-\nimport time\nNAME = 'caf\xe9'\n\nasync def f():\n    time.sleep(1)\n".encode(
            "latin-1"
        ),
        ["AIO100"],
    ),
    "bom": (b"\xef\xbb\xbf" + SLEEPY.encode(), ["AIO100"]),
    "bom-and-cookie": (b"\xef\xbb\xbf# coding: utf-8\n" + SLEEPY.encode(), ["AIO100"]),
    "bom-with-latin-1-cookie": (b"\xef\xbb\xbf# coding: latin-1\n" + SLEEPY.encode(), ["AIO000"]),
    "crlf": (SLEEPY.replace("\n", "\r\n").encode(), ["AIO100"]),
    "cr-only": (SLEEPY.replace("\n", "\r").encode(), ["AIO100"]),
    "mixed-endings": (b"import time\r\n\nasync def f():\r    x = 1\n    time.sleep(1)\r\n", ["AIO100"]),
    "tabs": (SLEEPY.replace("    ", "\t").encode(), ["AIO100"]),
    "tabs-and-spaces-inconsistent": (b"import time\nasync def f():\n\tif x:\n        time.sleep(1)\n", ["AIO000"]),
    "form-feed": (b"import time\n\x0c\nasync def f():\n    \x0ctime.sleep(1)\n", None),
    "nesting-97": (_nested_ifs(97).encode(), ["AIO100"]),
    "nesting-100": (_nested_ifs(100).encode(), ["AIO000"]),  # Python rejects 100 levels too
    "nesting-300": (_nested_ifs(300).encode(), ["AIO000"]),
    "brackets-199": ("import time\nasync def f():\n    time.sleep(" + "(" * 198 + "1" + ")" * 198 + ")\n", ["AIO100"]),
    # More than Python accepts; LibCST's native parser used to overflow the C stack (segfault).
    "brackets-5000": ("import time\nasync def f():\n    time.sleep(" + "[" * 5000 + "]" * 5000 + ")\n", ["AIO000"]),
    "brackets-in-strings": ("import time\nasync def f():\n    time.sleep(1)\nX = '" + "(" * 5000 + "'\n", ["AIO100"]),
    # Valid Python, deep trees without brackets: used to segfault, now parsed on a big stack.
    "and-chain-8000": ("import time\nasync def f():\n    time.sleep(" + " and ".join(["a"] * 8000) + ")\n", None),
    "unary-chain-1500": ("import time\nasync def f():\n    time.sleep(" + "-" * 1500 + "1)\n", None),
    "elif-chain-1500": (
        "import time\nasync def f():\n    if a:\n        time.sleep(1)\n" + "    elif a:\n        pass\n" * 1500,
        None,
    ),
    "only-comment": (b"# time.sleep requests async def\n", []),
    "syntax-error": (b"import time\nasync def f(:\n    time.sleep(1)\n", ["AIO000"]),
    "unterminated-string": (b"import time\nasync def f():\n    time.sleep('1)\n", ["AIO000"]),
    "await-outside-async": (b"import asyncio\nawait asyncio.sleep(1)\nasyncio.get_event_loop()\n", None),
    **{f"random-bytes-{i}": (b"import time\nasync def f():\n" + blob, None) for i, blob in enumerate(_random_blobs())},
}


def _check_lint(source, expected):
    findings = engine.lint(source, "case.py")
    codes = [f.code for f in findings]
    assert set(codes) <= CODES
    assert codes.count("AIO000") <= 1
    if expected is not None:
        assert sorted(set(codes)) == sorted(expected), [f.message for f in findings]
    for finding in findings:
        assert finding.line >= 1 and finding.col >= 1
    return findings


@pytest.mark.parametrize("name", sorted(CASES))
def test_engine_check_and_fix_never_raise(name):
    source, expected = CASES[name]
    _check_lint(source, expected)
    for unsafe in (False, True):
        result = engine.fix_source(source, "case.py", unsafe=unsafe)
        assert type(result.source) is type(source)
        if result.changed:
            engine.parse(result.source)  # a fixed file always parses
            again = engine.fix_source(result.source, "case.py", unsafe=unsafe)
            assert again.source == result.source
        else:
            assert result.source == source


@pytest.mark.parametrize("name", sorted(set(CASES) - HEAVY))
def test_flake8_plugin_never_raises(name):
    source, _ = CASES[name]
    text = source if isinstance(source, str) else source.decode("latin-1")  # flake8's own fallback
    lines = text.splitlines(keepends=True)
    results = list(AiolintPlugin(None, "case.py", lines).run())
    assert all(message.split()[0] in CODES for _, _, message, _ in results)


def test_unparsable_inputs_are_never_touched_by_fix():
    for name, (source, expected) in CASES.items():
        if expected == ["AIO000"]:
            assert engine.fix_source(source, unsafe=True).source == source, name


def test_latin_1_file_round_trips_byte_exact_through_the_cli(tmp_path):
    source, _ = CASES["latin-1-cookie"]
    path = tmp_path / "legacy.py"
    path.write_bytes(source)
    assert main(["fix", "--isolated", "--no-cache", str(path)]) == 0
    fixed = path.read_bytes()
    assert b"NAME = 'caf\xe9'" in fixed and b"await asyncio.sleep(1)" in fixed
    assert fixed.decode("latin-1").count("\n") == source.decode("latin-1").count("\n") + 1


@pytest.mark.parametrize(
    "snippet",
    [
        "type Alias = list[int]\n",
        "def first[T](items: list[T]) -> T:\n    return items[0]\n",
        "class Box[T]:\n    pass\n",
        "x = f\"{'a' if y else \"b\"}\"\n",  # PEP 701: the same quotes inside
        "x = f'{\"\\n\".join(parts)}'\n",  # PEP 701: a backslash in the expression
    ],
    ids=["type-alias", "generic-def", "generic-class", "fstring-quotes", "fstring-backslash"],
)
def test_newer_syntax_than_the_running_python_is_checked_and_fixed(snippet):
    source = "import time\n" + snippet + "\nasync def f():\n    time.sleep(1)\n"
    if sys.version_info < (3, 12):
        with pytest.raises(SyntaxError):
            ast.parse(source)
    assert [f.code for f in engine.lint(source)] == ["AIO100"]
    fixed = engine.fix_source(source).source
    assert snippet in fixed and "await asyncio.sleep(1)" in fixed


def test_a_fifty_thousand_line_file_without_findings_is_quick():
    body = "".join(f"def g{i}(x):\n    return x + {i}\n" for i in range(25_000))
    started = time.perf_counter()
    assert engine.lint(body) == []
    assert time.perf_counter() - started < 10


@SLOW
def test_a_fifty_thousand_line_file_with_a_finding():
    # Slow: positions come from LibCST's PositionProvider, which regenerates the whole module.
    source = SLEEPY + "".join(f"def g{i}(x):\n    return x + {i}\n" for i in range(25_000))
    assert source.count("\n") > 50_000
    assert [f.code for f in engine.lint(source)] == ["AIO100"]
    result = engine.fix_source(source)
    assert result.source.count("\n") == source.count("\n") + 1 and not result.remaining


def test_parse_happens_on_a_thread_with_a_big_stack():
    # The worker thread is what keeps deep (valid) code from overflowing the C stack.
    module = engine.parse("x = " + " and ".join(["a"] * 8000) + "\n")
    assert isinstance(module, cst.Module)


# ----------------------------------------------------------------------------- CLI
@pytest.fixture
def odd_tree(tmp_path):
    """A tree holding every case as a file, plus a good file that must still be reported."""
    root = tmp_path / "tree"
    root.mkdir()
    for name, (source, _) in CASES.items():
        if name in HEAVY:
            continue
        data = source.encode("utf-8") if isinstance(source, str) else source
        (root / f"{name.replace('-', '_')}.py").write_bytes(data)
    (root / "zz_last_good.py").write_text(SLEEPY)
    return root


def test_cli_check_reports_each_bad_file_and_carries_on(odd_tree, capsys):
    status = main(["check", "--isolated", "--no-cache", "-j", "1", str(odd_tree)])
    out, err = capsys.readouterr()
    assert status == 1
    assert "Traceback" not in out + err
    assert f"{odd_tree / 'zz_last_good.py'}:4:5: AIO100" in out
    assert f"{odd_tree / 'syntax_error.py'}:" in out and "AIO000" in out
    per_file = {}
    for line in out.splitlines():
        if " AIO000 " in line:
            path = line.split(":", 1)[0]
            per_file[path] = per_file.get(path, 0) + 1
    assert per_file and max(per_file.values()) == 1


def test_cli_fix_on_the_odd_tree_never_breaks_a_file(odd_tree, capsys):
    before = {p.name: p.read_bytes() for p in odd_tree.iterdir()}
    main(["fix", "--unsafe-fixes", "--isolated", "--no-cache", str(odd_tree)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    for path in odd_tree.iterdir():
        after = path.read_bytes()
        if after != before[path.name]:
            engine.parse(after)
    assert sorted(p.name for p in odd_tree.iterdir()) == sorted(before), "temporary files left behind"


def test_cli_through_a_subprocess_with_pool_and_cache(odd_tree, tmp_path):
    cache = tmp_path / "cache"
    for argv in (
        ["check", "-j", "2", "--cache-dir", str(cache)],
        ["check", "-j", "2", "--cache-dir", str(cache)],  # the second run reads the cache
        ["fix", "--unsafe-fixes", "--diff", "-j", "2", "--no-cache"],
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "aiolint", *argv, "--isolated", str(odd_tree)], capture_output=True, timeout=600
        )
        assert proc.returncode in (0, 1, 2)
        assert b"Traceback" not in proc.stdout + proc.stderr, proc.stderr.decode("utf-8", "replace")[-3000:]


def test_a_directory_named_like_a_module_and_a_missing_path(tmp_path, capsys):
    (tmp_path / "pkg.py").mkdir()
    (tmp_path / "pkg.py" / "inner.py").write_text(SLEEPY)
    missing = tmp_path / "missing.py"
    status = main(["check", "--isolated", "--no-cache", str(tmp_path / "pkg.py"), str(missing)])
    out, err = capsys.readouterr()
    assert status == 2
    assert "inner.py:4:5: AIO100" in out
    assert "missing.py: cannot read" in err


def test_a_symlink_loop_is_reported_not_followed(tmp_path, capsys):
    (tmp_path / "a.py").symlink_to(tmp_path / "b.py")
    (tmp_path / "b.py").symlink_to(tmp_path / "a.py")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to(tmp_path)  # a directory loop: os.walk must not follow it
    (tmp_path / "sub" / "good.py").write_text(SLEEPY)
    for command in (["check"], ["fix"]):
        status = main([*command, "--isolated", "--no-cache", str(tmp_path)])
        out, err = capsys.readouterr()
        assert status == 2
        assert "a.py: cannot read" in err and "b.py: cannot read" in err
        assert "Traceback" not in out + err
    assert "await asyncio.sleep(1)" in (tmp_path / "sub" / "good.py").read_text()


def test_a_fifo_in_the_tree_is_skipped_not_read(tmp_path, capsys):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    os.mkfifo(tmp_path / "pipe.py")  # reading it would block forever
    (tmp_path / "good.py").write_text(SLEEPY)
    assert main(["check", "--isolated", "--no-cache", "-j", "1", str(tmp_path)]) == 1
    assert "good.py:4:5: AIO100" in capsys.readouterr().out


def _without_root_file_access():
    """Runs in the child before exec: drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the
    bounding set, so a root process is refused a mode-000 file like anyone else."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def test_an_unreadable_file_is_reported_and_the_run_goes_on(tmp_path):
    secret = tmp_path / "secret.py"
    secret.write_text(SLEEPY)
    (tmp_path / "good.py").write_text(SLEEPY)
    os.chmod(secret, 0)
    command = [sys.executable, "-m", "aiolint", "check", "--isolated", "--no-cache", "-j", "1", str(tmp_path)]
    kwargs = {}
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        if not sys.platform.startswith("linux"):
            pytest.skip("running as root: reading a mode-000 file cannot be refused here")
        kwargs = {"preexec_fn": _without_root_file_access}
    try:
        proc = subprocess.run(command, capture_output=True, timeout=300, **kwargs)
    except subprocess.SubprocessError as exc:
        pytest.skip(f"running as root and cannot drop file-access capabilities: {exc}")
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert "secret.py: cannot read (Permission denied)" in err
    assert b"good.py:4:5: AIO100" in proc.stdout
    assert "Traceback" not in err


def test_unreadable_file_in_process(tmp_path, capsys, monkeypatch):
    """The same, without dropping privileges: open() itself refuses."""
    import builtins

    secret = tmp_path / "secret.py"
    secret.write_text(SLEEPY)
    (tmp_path / "good.py").write_text(SLEEPY)
    real_open = builtins.open

    def guarded(file, *args, **kwargs):
        if str(file) == str(secret):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded)
    for command in (["check", "-j", "1"], ["fix"]):
        assert main([*command, "--isolated", "--no-cache", str(tmp_path)]) == 2
        out, err = capsys.readouterr()
        assert "secret.py: cannot read (Permission denied)" in err
        assert "good.py" in out or "good.py" not in err


def test_undecodable_file_name_does_not_crash_the_report(tmp_path):
    name = os.fsencode(str(tmp_path)) + b"/\xff\xfe.py"
    with open(name, "wb") as handle:
        handle.write(SLEEPY.encode())
    env = dict(os.environ, PYTHONIOENCODING="utf-8")  # strict: a surrogate escape cannot be printed
    proc = subprocess.run(
        [sys.executable, "-m", "aiolint", "check", "--isolated", "--no-cache", str(tmp_path)],
        capture_output=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 1, proc.stderr.decode()
    assert b"AIO100" in proc.stdout and b"Traceback" not in proc.stderr


def _python_rejects_nul_bytes_with_value_error() -> bool:
    try:
        compile("x = 1\n\x00\n", "<nul>", "exec")
    except ValueError:
        return True  # CPython before 3.11.4 (Debian 12's 3.11.2): flake8's own parse raises it unhandled
    except SyntaxError:
        return False
    return False


def test_flake8_over_the_odd_tree_sees_no_exception(odd_tree):
    if _python_rejects_nul_bytes_with_value_error():
        # flake8 itself crashes on such files before any plugin runs: not what this test is about.
        for path in odd_tree.iterdir():
            if b"\x00" in path.read_bytes():
                path.unlink()
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "AIO", "-j", "1", str(odd_tree)],
        capture_output=True,
        timeout=600,
    )
    output = (proc.stdout + proc.stderr).decode("utf-8", "replace")
    assert proc.returncode in (0, 1), output[-3000:]
    assert "Traceback" not in output and "PluginExecutionFailed" not in output
    assert "zz_last_good.py:4:5: AIO100" in output


@pytest.mark.parametrize("name", ["random-bytes-0", "invalid-utf8", "syntax-error", "latin-1-cookie", "empty"])
def test_fix_from_stdin_never_raises_and_echoes_what_it_cannot_fix(name):
    source, expected = CASES[name]
    data = source.encode("utf-8") if isinstance(source, str) else source
    proc = subprocess.run(
        [sys.executable, "-m", "aiolint", "fix", "--isolated", "--no-cache", "-"],
        input=data,
        capture_output=True,
        timeout=300,
    )
    assert b"Traceback" not in proc.stderr
    if expected == ["AIO000"] or expected == []:
        assert proc.stdout == data
    elif proc.stdout != data:
        engine.parse(proc.stdout)


def test_parse_still_works_when_no_thread_can_be_started(monkeypatch):
    import threading

    def refuse(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", refuse)
    assert [f.code for f in engine.lint(SLEEPY)] == ["AIO100"]
    assert threading.stack_size() == 0 or threading.stack_size() != engine.PARSER_STACK_SIZE

"""aiolint reads code; it never runs it, never talks to the network, never writes where it should not.

- the linted code is never imported, executed or evaluated (markers its import would write never
  appear, through the engine, the CLI, a worker pool and flake8);
- an audit hook watching a whole CLI run sees no socket, no process started, no code of the tree
  compiled or executed, and no file opened for writing outside the tree (and the cache);
- configuration is read with tomllib/tomli only, and a hostile one is an error, not an action;
- fixes never write through a symlink out of the tree, nor over a file changed since it was read;
- the cache never writes outside its directory.
"""
from __future__ import annotations

import ast
import json
import os
import re
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from aiolint.frontends import runner
from aiolint.core import pipeline as engine
from aiolint.frontends.cli import main
from aiolint.frontends.files import FileChanged, OutsideTree, tree_root, write_atomic

SRC = Path(__file__).resolve().parent.parent / "src" / "aiolint"
SLEEPY = "import time\n\nasync def f():\n    time.sleep(1)\n"


def _evil_tree(root: Path, marker: Path) -> Path:
    """A package whose every module, if imported or run, writes `marker` and exits."""
    tree = root / "evil_project"
    (tree / "evilpkg").mkdir(parents=True)
    payload = textwrap.dedent(
        f"""\
        import os, pathlib, sys
        pathlib.Path({str(marker)!r}).write_text(__name__)
        os._exit(7)
        """
    )
    body = payload + SLEEPY + "import requests\n\nasync def g(u):\n    return requests.get(u)\n"
    for name in ("evilpkg/__init__.py", "evilpkg/mod.py", "conftest.py", "setup.py", "sitecustomize.py"):
        (tree / name).write_text(body)
    (tree / "evilpkg" / "__main__.py").write_text(body)
    (tree / "pyproject.toml").write_text("[tool.aiolint]\nselect = ['AIO1']\n")
    return tree


def test_check_and_fix_never_import_the_linted_code(tmp_path, capsys):
    marker = tmp_path / "marker"
    tree = _evil_tree(tmp_path, marker)
    assert main(["check", "--no-cache", "-j", "1", str(tree)]) == 1
    assert main(["fix", "--diff", "--unsafe-fixes", "--no-cache", str(tree)]) == 1
    assert main(["fix", "--unsafe-fixes", "--no-cache", str(tree)]) == 0
    capsys.readouterr()
    assert not marker.exists()
    assert "await asyncio.sleep(1)" in (tree / "evilpkg" / "mod.py").read_text()


def test_worker_pool_and_flake8_never_import_the_linted_code(tmp_path):
    marker = tmp_path / "marker"
    tree = _evil_tree(tmp_path, marker)
    for command in (
        [sys.executable, "-m", "aiolint", "check", "-j", "2", "--cache-dir", str(tmp_path / "cache"), str(tree)],
        [sys.executable, "-m", "flake8", "--select", "AIO", "-j", "2", str(tree)],
    ):
        # The tree is the working directory, so a careless import would find the package.
        proc = subprocess.run(command, cwd=tree, capture_output=True, timeout=600)
        assert proc.returncode == 1, proc.stderr.decode()
        assert b"AIO100" in proc.stdout
        assert not marker.exists(), command


_AUDIT_DRIVER = textwrap.dedent(
    """\
    import json, os, sys
    tree, cache, log_path = sys.argv[1], sys.argv[2], sys.argv[3]
    log = open(log_path, "w")
    WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

    def inside(path, directory):
        path = os.path.realpath(os.fsdecode(path))
        return os.path.commonpath([path, directory]) == directory

    def hook(event, args):
        bad = None
        if event.startswith(("socket.", "http.client.", "urllib.", "ftplib.", "smtplib.", "webbrowser")):
            bad = "network"
        elif event == "subprocess.Popen" and list(args[1][:1]) == ["git"] and "ls-files" in args[1]:
            pass  # .gitignore support asks git which files it shows; nothing else may run
        elif event in ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.startfile"):
            bad = "process"
        elif event == "exec" and inside(getattr(args[0], "co_filename", "") or "/", tree):
            bad = "executes linted code"
        elif event == "compile" and isinstance(args[1], (str, bytes)) and inside(args[1] or "/", tree):
            bad = "compiles linted code"
        elif event == "import" and args[1] and inside(args[1], tree):
            bad = "imports linted code"
        elif event == "open" and isinstance(args[0], (str, bytes)):
            mode, flags = args[1] or "", args[2] or 0
            writing = any(c in str(mode) for c in "wax+") or flags & WRITE
            if writing and not (inside(args[0], tree) or inside(args[0], cache)):
                bad = "writes outside the tree and the cache"
        if bad:
            log.write(json.dumps([bad, event, repr(args)[:300]]) + "\\n")
            log.flush()

    sys.addaudithook(hook)
    from aiolint.frontends.cli import main
    status = [main(["check", "-j", "1", "--cache-dir", cache, tree]),
              main(["check", "-j", "1", "--cache-dir", cache, tree]),
              main(["fix", "--unsafe-fixes", "--cache-dir", cache, tree])]
    log.write(json.dumps(["status", status, ""]) + "\\n")
    """
)


def test_audit_hook_sees_no_network_no_process_no_execution_no_stray_writes(tmp_path):
    marker = tmp_path / "marker"
    tree = _evil_tree(tmp_path, marker)
    cache = tmp_path / "cache"
    log = tmp_path / "audit.log"
    proc = subprocess.run(
        [sys.executable, "-c", _AUDIT_DRIVER, str(tree.resolve()), str(cache.resolve()), str(log)],
        cwd=tmp_path,
        capture_output=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert rows[-1] == ["status", [1, 1, 0], ""]
    assert rows[:-1] == [], rows[:10]
    assert not marker.exists()


def test_aiolint_source_has_no_eval_exec_dynamic_import_or_network():
    """A static guard for the properties above: none of these calls appear in aiolint itself."""
    forbidden_calls = {"eval", "exec", "compile", "__import__", "execfile"}
    forbidden_attributes = {"import_module", "run_path", "run_module", "urlopen", "create_connection", "system"}
    forbidden_modules = {"socket", "urllib.request", "http.client", "runpy", "pickle", "marshal", "shelve", "requests"}
    problems = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            where = f"{path.relative_to(SRC)}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Call):
                if isinstance(node.func, ast.Name) and node.func.id in forbidden_calls:
                    problems.append(f"{where} calls {node.func.id}")
                if isinstance(node.func, ast.Attribute) and node.func.attr in forbidden_attributes:
                    problems.append(f"{where} calls .{node.func.attr}")
            elif isinstance(node, ast.Import):
                problems += [f"{where} imports {a.name}" for a in node.names if a.name in forbidden_modules]
            elif isinstance(node, ast.ImportFrom) and node.module in forbidden_modules:
                problems.append(f"{where} imports from {node.module}")
    # The rule registry imports aiolint's own rule modules by name (pkgutil over its own package).
    registry = [p for p in problems if p.startswith("rules/__init__.py:") and p.endswith(".import_module")]
    assert len(registry) <= 1
    # The fix oracle (the tests, benchmarks/verify_corpus.py) checks that fixed code still compiles:
    # `compile` only builds a code object, which nothing runs; and no part of aiolint imports it.
    oracle = [p for p in problems if p.startswith("fixes/verify.py:") and p.endswith(" calls compile")]
    assert len(oracle) <= 2
    assert [p for p in problems if p not in registry + oracle] == []
    loads_oracle = re.compile(r"aiolint\.fixes\.verify|from aiolint\.fixes import .*\bverify\b")
    importers = [
        path.relative_to(SRC).as_posix()
        for path in sorted(SRC.rglob("*.py"))
        if path.name != "verify.py" and loads_oracle.search(path.read_text(encoding="utf-8"))
    ]
    assert importers == [], "check and fix must never load the oracle that compiles code"


def test_configuration_is_parsed_with_tomllib_only():
    config = SRC / "frontends" / "config.py"
    tree = ast.parse(config.read_text(encoding="utf-8"))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert imported & {"tomllib", "tomli"}
    assert not imported & {"toml", "configparser", "yaml", "json", "importlib", "runpy"}


@pytest.mark.parametrize(
    "toml",
    [
        "[tool.aiolint]\nselect = \"__import__('os').system('touch {marker}')\"\n",
        "[tool.aiolint]\nblocking-calls = [\"os.system('touch {marker}')\"]\n",
        "[tool.aiolint]\nselect = 5\n",
        "[tool.aiolint]\nselect = [[1], {{a = 2}}]\n",
        "[tool.aiolint]\nexclude = {{a = 1}}\n",
        "[tool.aiolint]\ntarget-version = \"banana\"\n",
        "[tool.aiolint]\nper-file-ignores = 3\n",
        "[tool.aiolint]\nunknown-key = true\n",
        "[tool.aiolint\nselect = \n",
        "tool = 5\n",
        "[tool]\naiolint = 5\n",
        "\xff\xfe not text [tool.aiolint]\n",
    ],
)
def test_hostile_or_broken_configuration_is_an_error_not_an_action(tmp_path, capsys, toml):
    marker = tmp_path / "marker"
    (tmp_path / "pyproject.toml").write_bytes(toml.format(marker=marker).encode("utf-8", "surrogateescape"))
    (tmp_path / "mod.py").write_text(SLEEPY)
    status = main(["check", "--no-cache", str(tmp_path / "mod.py")])
    out, err = capsys.readouterr()
    assert status in (0, 1, 2)
    assert "Traceback" not in out + err
    assert not marker.exists()


# ------------------------------------------------------------------------------ writing fixes
def test_fix_writes_through_a_symlink_inside_the_tree(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "mod.py"
    target.write_text(SLEEPY)
    link = tmp_path / "link.py"
    link.symlink_to(target)
    assert main(["fix", "--no-cache", str(tmp_path)]) == 0
    assert link.is_symlink(), "the link itself was replaced"
    assert "await asyncio.sleep(1)" in target.read_text()


def test_fix_refuses_a_symlink_out_of_the_tree(tmp_path, capsys):
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim.py"
    victim.write_text(SLEEPY)
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "innocent.py").symlink_to(victim)
    (tree / "ok.py").write_text(SLEEPY)
    status = main(["fix", "--no-cache", str(tree)])
    _, err = capsys.readouterr()
    assert status == 2
    assert "innocent.py: cannot write (a symlink to a file outside the tree being fixed" in err
    assert victim.read_text() == SLEEPY
    assert "await asyncio.sleep(1)" in (tree / "ok.py").read_text()
    # Named on the command line, the tree is the directory that names it: still refused.
    assert main(["fix", "--no-cache", str(tree / "innocent.py")]) == 2
    assert victim.read_text() == SLEEPY
    # A symlinked directory is not searched (os.walk does not follow it), so nothing leaks there.
    (tree / "linked_dir").symlink_to(outside, target_is_directory=True)
    main(["fix", "--no-cache", str(tree)])
    assert victim.read_text() == SLEEPY


def test_tree_root_is_the_deepest_command_line_directory(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    path = str(tmp_path / "a" / "b" / "m.py")
    assert tree_root(path, [str(tmp_path), str(tmp_path / "a")]) == str(tmp_path / "a")
    assert tree_root(path, [str(tmp_path / "elsewhere")]) == str(tmp_path / "a" / "b")
    assert tree_root(path) == str(tmp_path / "a" / "b")


def test_write_atomic_refuses_outside_and_non_regular_targets(tmp_path):
    outside = tmp_path / "outside.py"
    outside.write_text("x = 1\n")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "link.py").symlink_to(outside)
    with pytest.raises(OutsideTree):
        write_atomic(str(tree / "link.py"), b"y = 2\n", b"x = 1\n", roots=[str(tree)])
    assert outside.read_text() == "x = 1\n"
    if hasattr(os, "mkfifo"):
        os.mkfifo(tree / "pipe.py")
        with pytest.raises(OSError):
            write_atomic(str(tree / "pipe.py"), b"y = 2\n", b"", roots=[str(tree)])
    assert sorted(p.name for p in tree.iterdir()) == ["link.py", "pipe.py"][: len(list(tree.iterdir()))]


def test_write_atomic_keeps_mode_and_owner(tmp_path):
    path = tmp_path / "mod.py"
    path.write_text("x = 1\n")
    os.chmod(path, 0o640)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.chown(path, 4321, 4321)  # as root we can give it away, and must keep it that way
    before = os.stat(path)
    write_atomic(str(path), b"x = 2\n", b"x = 1\n")
    after = os.stat(path)
    assert path.read_bytes() == b"x = 2\n"
    assert stat.S_IMODE(after.st_mode) == 0o640
    assert (after.st_uid, after.st_gid) == (before.st_uid, before.st_gid)


def test_write_atomic_leaves_no_temporary_file_when_the_rename_fails(tmp_path, monkeypatch):
    path = tmp_path / "mod.py"
    path.write_text("x = 1\n")

    def failing_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError):
        write_atomic(str(path), b"x = 2\n", b"x = 1\n")
    assert [p.name for p in tmp_path.iterdir()] == ["mod.py"]
    assert path.read_text() == "x = 1\n"


def test_cli_does_not_overwrite_a_file_changed_while_it_was_being_fixed(tmp_path, capsys, monkeypatch):
    path = tmp_path / "mod.py"
    path.write_text(SLEEPY)
    real_fix = runner.fix_source
    edited = "# the user's edit, saved while aiolint ran\n" + SLEEPY

    def fix_then_someone_saves(*args, **kwargs):
        result = real_fix(*args, **kwargs)
        path.write_text(edited)
        return result

    monkeypatch.setattr(runner, "fix_source", fix_then_someone_saves)
    assert main(["fix", "--no-cache", str(path)]) == 2
    assert "changed on disk while being fixed" in capsys.readouterr().err
    assert path.read_text() == edited
    assert [p.name for p in tmp_path.iterdir()] == ["mod.py"]


def test_write_atomic_compares_after_writing_the_temporary_file(tmp_path, monkeypatch):
    """The check runs just before the rename, so a write during the temp-file write is seen."""
    import tempfile

    path = tmp_path / "mod.py"
    path.write_text("x = 1\n")
    real_mkstemp = tempfile.mkstemp

    def mkstemp_then_someone_saves(*args, **kwargs):
        made = real_mkstemp(*args, **kwargs)
        path.write_text("x = 'theirs'\n")
        return made

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp_then_someone_saves)
    with pytest.raises(FileChanged):
        write_atomic(str(path), b"x = 2\n", b"x = 1\n")
    assert path.read_text() == "x = 'theirs'\n"
    assert [p.name for p in tmp_path.iterdir()] == ["mod.py"]


def test_an_unparsable_fix_result_is_never_written(tmp_path, monkeypatch):
    """If a fix produced code LibCST rejects, the pass is dropped and the file is left as it was."""
    import libcst as cst

    from aiolint.fixes import apply as fixer

    real_apply = fixer.apply_fixes

    def broken_apply(module, findings):
        new_module, applied = real_apply(module, findings)
        return new_module.with_changes(header=[cst.EmptyLine(comment=cst.Comment("#"))], footer=[]), applied

    def garbage_apply(module, findings):
        _, applied = real_apply(module, findings)
        return _Garbage(), applied

    class _Garbage:
        code = "def (:\n"
        bytes = b"def (:\n"

    path = tmp_path / "mod.py"
    for apply in (garbage_apply, broken_apply):
        path.write_text(SLEEPY)
        monkeypatch.setattr(fixer, "apply_fixes", apply)
        main(["fix", "--no-cache", str(path)])
        after = path.read_text()
        engine.parse(after)  # whatever happened, the file on disk parses
        if apply is garbage_apply:
            assert after == SLEEPY


# ------------------------------------------------------------------------------------ cache
def _cache_or_skip():
    try:
        from aiolint.frontends.cache import Cache
    except ImportError:
        pytest.skip("no cache module")
    return Cache


def test_cache_never_writes_through_a_planted_symlink(tmp_path):
    Cache = _cache_or_skip()
    from aiolint.core.settings import Settings

    outside = tmp_path / "outside"
    outside.mkdir()
    cache_dir = tmp_path / "cache"
    cache = Cache(str(cache_dir), Settings())
    key = cache.key(b"x = 1\n")
    cache_dir.mkdir()
    (cache_dir / key[:2]).symlink_to(outside, target_is_directory=True)  # a planted shard
    cache.put(key, [])
    assert list(outside.iterdir()) == []
    assert cache.get(key) is None

    other = cache.key(b"y = 2\n")
    (cache_dir / other[:2]).mkdir()
    victim = outside / "victim"
    victim.write_text("keep")
    (cache_dir / other[:2] / other[2:]).symlink_to(victim)  # a planted entry
    cache.put(other, [])
    assert victim.read_text() == "keep"
    assert cache.get(other) == []  # the rename replaced the link, not its target


def test_cache_through_the_cli_stays_in_its_directory(tmp_path):
    _cache_or_skip()
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "mod.py").write_text(SLEEPY)
    cache_dir = tmp_path / "cache"
    before = set(tmp_path.rglob("*"))
    for _ in range(2):
        proc = subprocess.run(
            [sys.executable, "-m", "aiolint", "check", "-j", "1", "--cache-dir", str(cache_dir), str(tree)],
            cwd=tree,
            capture_output=True,
            timeout=300,
        )
        assert proc.returncode == 1, proc.stderr.decode()
    created = set(tmp_path.rglob("*")) - before
    assert created and all(cache_dir in p.parents or p == cache_dir for p in created), created


def test_cache_put_with_a_crafted_key_stays_inside(tmp_path):
    Cache = _cache_or_skip()
    from aiolint.core.settings import Settings

    cache_dir = tmp_path / "deep" / "er" / "cache"
    cache = Cache(str(cache_dir), Settings())
    cache.put("ab" + str(tmp_path / "escaped"), [])  # key[2:] is absolute: the join drops the shard
    cache.put("../" + "0" * 62, [])
    stray = [p for p in tmp_path.rglob("*") if p.is_file() and cache_dir not in p.parents]
    assert stray == []


def test_a_hostile_git_config_in_the_tree_runs_nothing(tmp_path):
    """git runs core.fsmonitor from the repository's own config for `ls-files`; a linted
    checkout (an unpacked archive, say) must not be able to run a command that way."""
    git = subprocess.run(["git", "--version"], capture_output=True)
    if git.returncode != 0:
        pytest.skip("no git")
    marker = tmp_path / "pwned"
    tree = tmp_path / "repo"
    tree.mkdir()
    (tree / "mod.py").write_text(SLEEPY)
    for command in (
        ["git", "init", "-q"],
        ["git", "config", "core.fsmonitor", f"touch {marker}; false"],
    ):
        subprocess.run(command, cwd=tree, check=True, capture_output=True)
    main(["check", "--isolated", "--no-cache", "-j", "1", str(tree)])
    assert not marker.exists()

"""The hooks in .pre-commit-hooks.yaml, run for real by `pre-commit try-repo`.

pre-commit installs the hook repository into a fresh virtualenv with pip, from the package
index pip is configured to use, exactly as it does for users: nothing from this environment
leaks into the hook's. The tests skip (saying why) only when pip can reach no index at all.
pre-commit itself, the manifest and the hooks' entry points are exercised as users run them.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT

pytest.importorskip("pre_commit")
yaml = pytest.importorskip("yaml")  # pre-commit's own dependency
if shutil.which("git") is None or not (ROOT / ".git").exists():
    pytest.skip("needs git and a git checkout of aiolint", allow_module_level=True)

BAD = "import time\n\n\nasync def poll():\n    time.sleep(0.5)\n"
GOOD = "import asyncio\n\n\nasync def poll():\n    await asyncio.sleep(0.5)\n"


def test_manifest_declares_both_hooks():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    by_id = {hook["id"]: hook for hook in hooks}
    assert by_id["aiolint"]["entry"] == "aiolint check"
    assert by_id["aiolint-fix"]["entry"] == "aiolint fix"
    for hook in hooks:
        assert hook["language"] == "python" and set(hook["types_or"]) == {"python", "pyi"}


def _index_unreachable(base) -> str:
    """Why pip cannot install the hook's dependencies here, or "" if it can.

    Asks pip, with its own configuration (index, extra indexes, find-links), for a
    dependency the hook environment needs, as pre-commit's pip will.
    """
    result = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--dest", str(base / "probe"), "libcst>=1.4"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode == 0:
        return ""
    last = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()][-1:]
    return f"pip reaches no package index to install the hook from (pip download libcst: {''.join(last)})"


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory):
    """A clone of the committed aiolint (try-repo needs commits), and pre-commit's home for it."""
    base = tmp_path_factory.mktemp("precommit")
    reason = _index_unreachable(base)
    if reason:
        pytest.skip(reason)
    clone = base / "aiolint"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, capture_output=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUALENV_", "PYTHONPATH"))}
    env.update(PRE_COMMIT_HOME=str(base / "home"), PIP_DISABLE_PIP_VERSION_CHECK="1")
    return clone, env


@pytest.fixture
def user_repo(tmp_path):
    subprocess.run(["git", "init", "--quiet", str(tmp_path)], check=True)
    (tmp_path / "bad.py").write_text(BAD)
    (tmp_path / "good.py").write_text(GOOD)
    subprocess.run(["git", "add", "bad.py", "good.py"], cwd=tmp_path, check=True)
    return tmp_path


def try_repo(hook_repo, user_repo, *args):
    clone, env = hook_repo
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(clone), *args],
        cwd=user_repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_both_hooks_through_try_repo(hook_repo, user_repo):
    # Without a hook id try-repo runs every hook of the manifest, in order: one
    # environment install (the slow part: pip installs aiolint and its dependencies) serves both.
    result = try_repo(hook_repo, user_repo, "--files", "bad.py", "good.py")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    check_part, _, fix_part = output.partition("aiolint (apply safe fixes)")
    assert "- hook id: aiolint\n" in check_part
    assert "bad.py:5:5: AIO100 time.sleep() blocks the event loop" in check_part
    assert "good.py:" not in check_part
    # aiolint-fix fixed the file; pre-commit fails a hook that changed files, for review.
    assert "- hook id: aiolint-fix" in fix_part and "files were modified by this hook" in fix_part
    assert "fixed 1, 0 remaining" in fix_part
    fixed = (user_repo / "bad.py").read_text()
    assert "import asyncio\n" in fixed and "    await asyncio.sleep(0.5)\n" in fixed


def test_aiolint_hook_passes_clean_files(hook_repo, user_repo):
    result = try_repo(hook_repo, user_repo, "aiolint", "--files", "good.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "aiolint....." in result.stdout and "Passed" in result.stdout

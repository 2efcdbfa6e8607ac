"""Fixes: expected outputs, idempotency, bytes that survive, files never damaged."""
from __future__ import annotations

import os

import libcst as cst
import pytest

from aiolint.core import pipeline as engine
from aiolint.frontends.cli import main
from aiolint.core.settings import Settings, settings_from_options
from conftest import FIX_FIXTURES, fixture_options

CASES = sorted(p for p in FIX_FIXTURES.glob("*.py") if not p.name.endswith(".fixed.py"))


def _settings(path):
    options = fixture_options(path.read_text(encoding="utf-8"))
    unsafe = bool(options.pop("unsafe-fixes", False))
    code = path.name.split("_")[0].split(".")[0]
    return settings_from_options(options, select=(code,)), unsafe


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_fix_output_matches_expected(path):
    expected = path.with_name(path.stem + ".fixed.py")
    assert expected.is_file(), f"{path.name} has no expected output {expected.name}"
    settings, unsafe = _settings(path)
    result = engine.fix_source(path.read_bytes(), str(path), settings, unsafe=unsafe)
    assert result.source.decode() == expected.read_text(encoding="utf-8")
    cst.parse_module(result.source)
    again = engine.fix_source(result.source, str(path), settings, unsafe=unsafe)
    assert again.source == result.source and not again.fixed, "a second fix changed something"
    assert not [f for f in again.remaining if f.fix and (unsafe or f.fix.is_safe)]


SLEEPY = "import time\n\nasync def f():\n    time.sleep(1)\n"


def test_crlf_and_latin1_cookie_survive_byte_exact():
    source = (
        "# -*- coding: latin-1 -*-\r\nimport time\r\nNAME = '\xe9t\xe9'\r\n\r\n"
        "async def f():\r\n    time.sleep(1)\r\n"
    ).encode("latin-1")
    result = engine.fix_source(source)
    assert result.source == (
        # `import time` goes (the fix made it unused); `import asyncio` takes its place
        "# -*- coding: latin-1 -*-\r\nimport asyncio\r\n\r\nNAME = '\xe9t\xe9'\r\n\r\n"
        "async def f():\r\n    await asyncio.sleep(1)\r\n"
    ).encode("latin-1")


def test_bom_and_mixed_line_endings_survive():
    source = b"\xef\xbb\xbfimport time\nx = 1\r\n\nasync def f():\n    time.sleep(1)\r\n"
    result = engine.fix_source(source)
    assert result.source == (
        b"\xef\xbb\xbfimport asyncio\n\nx = 1\r\n\nasync def f():\n    await asyncio.sleep(1)\r\n"
    )


def test_unparsable_file_is_never_touched(tmp_path):
    path = tmp_path / "broken.py"
    original = b"import time\nasync def f(:\n    time.sleep(1)\n"
    path.write_bytes(original)
    assert main(["fix", str(path)]) == 1
    assert path.read_bytes() == original
    result = engine.fix_source(original)
    assert result.source == original and [f.code for f in result.remaining] == ["AIO000"]


def test_fix_writes_file_and_keeps_permissions(tmp_path):
    path = tmp_path / "mod.py"
    path.write_text(SLEEPY)
    os.chmod(path, 0o751)
    assert main(["fix", str(path)]) == 0
    assert "await asyncio.sleep(1)" in path.read_text()
    assert os.stat(path).st_mode & 0o777 == 0o751
    assert [p.name for p in tmp_path.iterdir()] == ["mod.py"], "a temporary file was left behind"


def test_diff_prints_and_does_not_write(tmp_path, capsys):
    path = tmp_path / "mod.py"
    path.write_text(SLEEPY)
    assert main(["fix", "--diff", str(path)]) == 1
    out = capsys.readouterr().out
    assert "-    time.sleep(1)" in out and "+    await asyncio.sleep(1)" in out
    assert path.read_text() == SLEEPY


def test_unsafe_fixes_only_when_asked(tmp_path):
    path = tmp_path / "mod.py"
    text = "import requests\n\nasync def f(u):\n    return requests.get(u)\n"
    path.write_text(text)
    assert main(["fix", str(path)]) == 1  # the finding remains
    assert path.read_text() == text
    assert main(["fix", "--unsafe-fixes", str(path)]) == 0
    assert "await asyncio.to_thread(requests.get, u)" in path.read_text()


def test_file_changed_between_read_and_write_is_not_overwritten(tmp_path):
    from aiolint.frontends.files import FileChanged, write_atomic

    path = tmp_path / "mod.py"
    path.write_bytes(b"new content\n")
    with pytest.raises(FileChanged):
        write_atomic(str(path), b"fixed\n", expected=b"old content\n")
    assert path.read_bytes() == b"new content\n"


def test_overlapping_fixes_converge():
    source = "import time\n\nasync def f():\n    time.sleep(time.sleep(1))\n"
    result = engine.fix_source(source)
    assert result.source == (
        "import asyncio\n\nasync def f():\n    await asyncio.sleep(await asyncio.sleep(1))\n"
    )
    assert engine.fix_source(result.source).source == result.source


def test_no_fix_when_asyncio_name_is_taken():
    source = "import time\n\nasync def f(asyncio):\n    time.sleep(1)\n"
    [finding] = engine.lint(source, settings=Settings())
    assert finding.code == "AIO100" and finding.fix is None
    assert engine.fix_source(source).source == source

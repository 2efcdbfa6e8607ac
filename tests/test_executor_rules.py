"""AIO200-AIO203 beyond the fixtures: how fixes name things, and how the rules share a file."""
from __future__ import annotations

import libcst as cst

from aiolint.core import pipeline as engine
from aiolint.core.settings import Settings

AIO2 = Settings(select=("AIO2",))


def _fix(source: str, unsafe: bool = False) -> str:
    result = engine.fix_source(source, settings=AIO2, unsafe=unsafe)
    cst.parse_module(result.source)
    assert engine.fix_source(result.source, settings=AIO2, unsafe=unsafe).source == result.source
    return result.source


def test_function_local_partial_import_is_reused():
    source = (
        "async def main(loop, f):\n"
        "    from functools import partial\n"
        "    await loop.run_in_executor(None, f, x=1)\n"
    )
    assert _fix(source) == (
        "async def main(loop, f):\n"
        "    from functools import partial\n"
        "    await loop.run_in_executor(None, partial(f, x=1))\n"
    )


def test_dropped_future_with_keywords_gets_both_fixes():
    source = (
        "import asyncio\n\n"
        "def work(n=0):\n"
        "    return n\n\n"
        "async def main():\n"
        "    loop = asyncio.get_running_loop()\n"
        "    loop.run_in_executor(None, work, n=1)\n"
    )
    assert sorted(f.code for f in engine.lint(source, settings=AIO2)) == ["AIO200", "AIO202"]
    # AIO200's await is unsafe (catalog v2: it makes the caller wait)
    assert "    loop.run_in_executor(None, functools.partial(work, n=1))\n" in _fix(source)
    assert _fix(source, unsafe=True).endswith(
        "import functools\n\n"
        "def work(n=0):\n"
        "    return n\n\n"
        "async def main():\n"
        "    loop = asyncio.get_running_loop()\n"
        "    await loop.run_in_executor(None, functools.partial(work, n=1))\n"
    )


def test_coroutine_called_inside_runner_is_reported_once_without_fix():
    source = (
        "import asyncio\n\n"
        "async def fetch(url):\n"
        "    return url\n\n"
        "async def main(url):\n"
        "    await asyncio.to_thread(fetch(url))\n"
    )
    [finding] = engine.lint(source, settings=AIO2)
    assert finding.code == "AIO203" and finding.fix is None
    assert finding.message.endswith("use 'await fetch(url)'")


def test_trio_spelling_outside_async_context():
    source = (
        "import threading\n"
        "import trio\n\n"
        "async def job():\n"
        "    await trio.sleep(1)\n\n"
        "def start():\n"
        "    threading.Thread(target=job).start()\n"
    )
    [finding] = engine.lint(source, settings=AIO2)
    assert finding.code == "AIO201" and finding.message.endswith("'trio.run(job, ...)'")


def test_no_partial_fix_when_functools_is_taken():
    source = (
        "def f(a, x=0):\n"
        "    print(a, x)\n\n"
        "async def main(loop, functools):\n"
        "    await loop.run_in_executor(None, f(1, x=2))\n"
    )
    [finding] = engine.lint(source, settings=AIO2)
    assert finding.code == "AIO203" and finding.fix is None

"""AIO300-AIO307: the shared task/loop semantics and the triggers that keep most files unparsed."""
from __future__ import annotations

from typing import List

import libcst as cst

from aiolint.core import pipeline as engine
from aiolint.rules import get_rule
from aiolint.core.settings import Settings
from conftest import probe


def _task_and_loop(model, call):
    """(task_creation(call), event_loop(receiver) when it is a method)."""
    receiver = call.func.value if isinstance(call.func, cst.Attribute) else None
    return model.task_creation(call), model.event_loop(receiver) if receiver is not None else None


def tasks(source: str) -> List[tuple]:
    return probe(source, _task_and_loop)


def test_task_creation_and_event_loops():
    source = """
import asyncio
from asyncio import ensure_future as ef

async def f(loop, tg, loop_factory):
    running = asyncio.get_running_loop()
    group = asyncio.TaskGroup()
    probe(asyncio.create_task(c()))
    probe(ef(c()))
    probe(loop.create_task(c()))
    probe(running.create_task(c()))
    probe(self.bot.loop.create_task(c()))
    probe(asyncio.get_event_loop().create_task(c()))
    probe(tg.create_task(c()))
    probe(group.create_task(c()))
    probe(asyncio.create_subprocess_exec("ls"))
"""
    assert tasks(source) == [
        ("asyncio.create_task", False),
        ("ef", None),
        ("loop.create_task", True),
        ("running.create_task", True),
        ("self.bot.loop.create_task", True),
        ("loop.create_task", True),
        (None, False),
        (None, False),
        (None, False),
    ]


def _triggered(code: str, source: str) -> bool:
    """Does the pre-screen (text, then ast) let this rule look at the source?"""
    return get_rule(code) in engine.screened_rules(source, Settings())


def test_coroutine_never_awaited_skips_files_without_a_candidate_statement():
    busy = (
        "import asyncio\nimport logging\n\nlogger = logging.getLogger()\n\n"
        "async def handle(request):\n    logger.info('x')\n    print(request)\n"
        "    result = await compute(request)\n    return result\n\n"
        "async def compute(request):\n    return request\n"
    )
    assert not _triggered("AIO300", busy)
    assert _triggered("AIO300", busy + "\n\nasync def main():\n    compute(1)\n")
    assert _triggered("AIO300", busy + "\n\nasync def main():\n    asyncio.sleep(1)\n")
    aliased = "from anyio import sleep as nap\n\nasync def main():\n    nap(1)\n"
    assert _triggered("AIO300", aliased)
    assert [f.code for f in engine.lint(aliased, settings=Settings(select=("AIO300",)))] == ["AIO300"]
    # A library name without the library imported cannot be the library function.
    assert not _triggered("AIO300", "import time\n\nasync def f():\n    time.sleep(1)\n")


def test_coroutine_awaited_twice_needs_a_name_awaited_twice():
    once = "async def f(c, d):\n    await c\n    await d\n    await c.x\n    await d()\n"
    assert not _triggered("AIO303", once)
    assert _triggered("AIO303", once + "    await (\n        c\n    )\n")


def test_nested_event_loop_needs_asyncio_for_plain_run():
    assert not _triggered("AIO304", "import subprocess\n\nasync def f():\n    subprocess.run(['ls'])\n")
    assert _triggered("AIO304", "import asyncio\n\nasync def f():\n    asyncio.run(g())\n")
    assert _triggered("AIO304", "async def f(loop):\n    loop.run_until_complete(g())\n")


def test_legacy_loop_fix_keeps_comments_and_other_statements():
    source = (
        "import asyncio\n\n\nasync def main():\n    pass\n\n\n"
        "if __name__ == '__main__':\n    setup()  # first\n"
        "    loop = asyncio.get_event_loop()  # the loop\n"
        "    loop.run_until_complete(main())  # run it\n    teardown()\n"
    )
    result = engine.fix_source(source, settings=Settings(select=("AIO307",)))
    assert result.source == (
        "import asyncio\n\n\nasync def main():\n    pass\n\n\n"
        "if __name__ == '__main__':\n    setup()  # first\n"
        "    asyncio.run(main())  # run it\n    teardown()\n"
    )

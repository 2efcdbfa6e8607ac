"""AIO107 resolves helper chains after the walk: long chains, cycles, and what it reuses."""
from __future__ import annotations

import time

from aiolint.core import pipeline as engine
from aiolint.core.settings import Settings

AIO107 = Settings(select=("AIO107",))


def _messages(source, settings=AIO107):
    return [f.message for f in engine.lint(source, settings=settings)]


def test_long_chain_and_cycles_terminate_quickly():
    depth = 300
    helpers = "".join(f"def h{i}():\n    h{i + 1}()\n    h{max(i - 1, 0)}()\n\n" for i in range(depth))
    source = f"import time\n\n{helpers}def h{depth}():\n    time.sleep(1)\n\nasync def main():\n    h0()\n"
    started = time.perf_counter()
    [message] = _messages(source)
    assert time.perf_counter() - started < 5
    assert message.startswith("h0() -> h1() -> h2() -> ") and f"-> h{depth}() -> time.sleep()" in message


def test_shortest_chain_is_named():
    source = (
        "import time\n\n"
        "def a():\n    b()\n    time.sleep(1)\n\n"
        "def b():\n    time.sleep(1)\n\n"
        "async def main():\n    a()\n"
    )
    assert _messages(source)[0].startswith("a() -> time.sleep() blocks")


def test_ignored_rule_is_not_followed_but_selecting_only_aio107_still_is():
    source = "def read(p):\n    return open(p).read()\n\nasync def main(p):\n    read(p)\n"
    assert len(_messages(source)) == 1
    assert _messages(source, Settings(ignore=("AIO103",))) == []


def test_inner_rules_report_nothing_of_their_own():
    source = "import time\n\ndef nap():\n    time.sleep(1)\n\nasync def main():\n    nap()\n    time.sleep(1)\n"
    codes = [f.code for f in engine.lint(source, settings=Settings(select=("AIO100", "AIO107")))]
    assert codes == ["AIO107", "AIO100"]

from __future__ import annotations

from typing import Optional

import libcst as cst

from aiolint.core.needs import Needs, Shape, Where
from aiolint.core.rule import Blocking, BlockingCallRule, RuleDocs
from aiolint.rules._threads import to_thread_fix, to_thread_text
from aiolint.semantics import library

_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})

# Module-level functions that perform a request.
_FUNCTIONS = frozenset(
    {f"requests.{v}" for v in _VERBS}
    | {f"requests.api.{v}" for v in _VERBS}
    | {f"httpx.{v}" for v in _VERBS | {"stream"}}
    | {"urllib.request.urlopen", "urllib.request.urlretrieve", "urllib3.request"}
)

# What a call must be named for this rule to report it (the pre-screen): the functions, and the
# methods of client objects (the library table), however those objects are reached.
_CALL_NAMES = frozenset(name.rsplit(".", 1)[1] for name in _FUNCTIONS) | library.method_names("AIO101")


class BlockingHttpCall(BlockingCallRule):
    code = "AIO101"
    name = "blocking-http-call"
    fix_availability = "unsafe"
    needs = (
        Needs(calls=_CALL_NAMES, imports=("requests", "httpx", "urllib3", "urllib.request")),
        Needs(calls=frozenset({"urlopen", "urlretrieve"}), imports=("urllib",)),  # `import urllib` alone
        # `http.client` connections, however imported: they are built in view of their use.
        Needs(Where.ANY, calls=frozenset({"HTTPConnection", "HTTPSConnection"}), shapes=frozenset({Shape.ASYNC_CODE})),
    )
    docs = RuleDocs(
        what=(
            "Checks for synchronous HTTP requests in async functions: `requests` functions and "
            "`requests.Session` methods, `urllib.request.urlopen`, `urllib3`, synchronous `httpx` "
            "(`httpx.get`, `httpx.Client`) and `http.client` connections. A client is known however it is "
            "reached: built here, kept on `self`, an annotated parameter, a module-level object, or the "
            "return of a project function."
        ),
        why=(
            "A synchronous request holds the event loop for the whole network round trip, often "
            "hundreds of milliseconds or, without a timeout, forever. Every other task waits with it."
        ),
        example=(
            "import requests\n\n"
            "async def fetch(url):\n"
            "    return requests.get(url, timeout=10).json()\n"
        ),
        use_instead=(
            "import asyncio\n"
            "\n"
            "import requests\n"
            "\n"
            "async def fetch(url):\n"
            "    return (await asyncio.to_thread(requests.get, url, timeout=10)).json()\n"
        ),
        fix_safety=(
            "Unsafe: the fix moves the call to a worker thread with "
            "`await asyncio.to_thread(fn, ...)`, which keeps the loop responsive but changes where "
            "the call runs (thread-local state, session objects shared across threads). An async "
            "client (aiohttp, httpx.AsyncClient) is the better end state."
        ),
    )

    def match(self, call: cst.Call) -> Optional[Blocking]:
        callee = self._callee(call)
        if callee is None:
            return None
        if isinstance(self.model.parent, cst.WithItem):
            # `with urlopen(url) as r: r.read()`: the reads in the block block too, so moving only
            # the call to a thread would hide them; the whole block belongs in the thread.
            return Blocking(
                callee=callee,
                replacement="an async client (aiohttp, httpx.AsyncClient) or run the whole 'with' block "
                "in a worker thread (a sync function of its own)",
            )
        return Blocking(
            callee=callee,
            replacement="an async client (aiohttp, httpx.AsyncClient) or "
            + to_thread_text(call, self.model.async_library, self.settings.target_version),
            fix=to_thread_fix(self, call),
        )

    def _callee(self, call: cst.Call) -> Optional[str]:
        func = call.func
        qualified = self.model.qualified_name(func)
        if qualified in _FUNCTIONS:
            return qualified
        if not isinstance(func, cst.Attribute):
            return None
        # A client object, however it is reached: built here, kept on `self`, a parameter
        # annotated `requests.Session`, a module-level session (see the model's `type_of`).
        found = self.model.blocking_method(call)
        if found is not None and found.code == self.code:
            return found.callee
        return None

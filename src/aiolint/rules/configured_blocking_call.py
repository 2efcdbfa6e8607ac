from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Optional, Pattern, Tuple

import libcst as cst

from aiolint.core.rule import ASYNC_DEF, Blocking, BlockingCallRule, RuleDocs, imports
from aiolint.rules._threads import to_thread_text

if TYPE_CHECKING:  # pragma: no cover
    from aiolint.core.settings import Settings

_ASYNC_DEF = re.compile(ASYNC_DEF)


@lru_cache(maxsize=32)
def _trigger(names: Tuple[Tuple[str, Optional[str]], ...]) -> Pattern[str]:
    """One regex for the configured names: an import of their top-level module, or the bare word."""
    modules, words = set(), set()
    for name, _ in names:
        top, dot, rest = name.partition(".")
        if top == "builtins" and dot:
            words.add(rest.rstrip("*").split(".")[0])
        elif not dot or top.endswith("*"):  # a builtin (`input`) or a prefix like `legacy*`
            words.add(top.rstrip("*"))
        else:
            modules.add(top)
    parts = [imports(*sorted(modules))] if modules else []
    parts += [rf"\b{re.escape(word)}" for word in sorted(words)]  # an empty word matches anywhere
    return re.compile("|".join(parts), re.MULTILINE)


def _is_dotted(text: str) -> bool:
    return all(part.isidentifier() for part in text.split("."))


class ConfiguredBlockingCall(BlockingCallRule):
    code = "AIO106"
    name = "configured-blocking-call"
    docs = RuleDocs(
        what=(
            "Checks for calls, in async functions, of the blocking functions you list in the option "
            "`aio-blocking-calls` (flake8: `--aio-blocking-calls` or `aio-blocking-calls =` in "
            "`[flake8]`; CLI: the same flag or `blocking-calls` in `[tool.aiolint]`). Items are "
            "comma-separated qualified names, each optionally `name=replacement` (shown in the "
            "message); a name ending in `*` matches everything under it, e.g. "
            "`legacy_sdk.*=legacy_sdk.aio`. Calls are matched through imports and aliases."
        ),
        why=(
            "Your own code and your dependencies have blocking functions aiolint cannot know "
            "about: an SDK that does HTTP with requests inside, a C extension that waits on a "
            "device. Listing them once makes every call from async code visible."
        ),
        example=(
            "# aio-blocking-calls = legacy_sdk.*=legacy_sdk.aio\n"
            "import legacy_sdk\n\n"
            "async def sync_account(user):\n"
            "    return legacy_sdk.fetch_account(user)\n"
        ),
        use_instead=(
            "import legacy_sdk.aio\n\n"
            "async def sync_account(user):\n"
            "    return await legacy_sdk.aio.fetch_account(user)\n"
        ),
    )

    @classmethod
    def is_triggered(cls, text: str, settings: "Settings") -> bool:
        """The trigger comes from the configured names: nothing configured, nothing to find."""
        if not settings.blocking_calls or not _ASYNC_DEF.search(text):
            return False
        return _trigger(settings.blocking_calls).search(text) is not None

    def match(self, call: cst.Call) -> Optional[Blocking]:
        configured = self.settings.blocking_calls
        if not configured:
            return None
        qualified = self.model.qualified_name(call.func)
        if qualified is None:
            return None
        # `builtins.input` is listed as `input` or `builtins.input`.
        names = (qualified, qualified[len("builtins."):]) if qualified.startswith("builtins.") else (qualified,)
        found = self._lookup(names)
        if found is None:
            return None
        replacement = found[1]
        if replacement and _is_dotted(replacement) and any(
            n == replacement or n.startswith(replacement + ".") for n in names
        ):
            return None  # the replacement itself (`legacy_sdk.aio.fetch` under `legacy_sdk.*=legacy_sdk.aio`)
        return Blocking(names[-1], replacement or self._default(call))

    def _lookup(self, names: Tuple[str, ...]) -> Optional[Tuple[str, Optional[str]]]:
        """The configured entry for a call: an exact name first, else the longest matching `prefix*`."""
        best = None
        for entry in self.settings.blocking_calls:
            name = entry[0]
            if name in names:
                return entry
            if name.endswith("*") and any(n.startswith(name[:-1]) for n in names):
                if best is None or len(name) > len(best[0]):
                    best = entry
        return best

    def _default(self, call: cst.Call) -> str:
        thread = to_thread_text(call, self.model.async_library, self.settings.target_version)
        return f"its async counterpart, or {thread}"

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Optional, Tuple

import libcst as cst

from aiolint.core.needs import Needs
from aiolint.core.rule import Blocking, BlockingCallRule, RuleDocs
from aiolint.rules._threads import to_thread_text

if TYPE_CHECKING:  # pragma: no cover
    from aiolint.core.settings import Settings


@lru_cache(maxsize=32)
def _needs(names: Tuple[Tuple[str, Optional[str]], ...]) -> Tuple[Needs, ...]:
    """A need per configured name: a call ending in its last part, with its top module imported.
    A pattern (`pkg.*`, `legacy*`) names no one callee: its module import, or just async code."""
    needs = []
    for name, _ in names:
        top, dot, rest = name.partition(".")
        if top == "builtins" and dot and "*" not in rest:
            needs.append(Needs(calls=frozenset({rest})))
        elif "*" in name:
            needs.append(Needs(imports=(top,)) if dot and "*" not in top else Needs())
        elif not dot:
            needs.append(Needs(calls=frozenset({name})))
        else:
            needs.append(Needs(calls=frozenset({name.rsplit(".", 1)[1]}), imports=(top,)))
    return tuple(needs)


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
    def needs_for(cls, settings: "Settings") -> Tuple[Needs, ...]:
        """From the configured names: nothing configured, nothing to find."""
        return _needs(settings.blocking_calls)

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

from __future__ import annotations

from typing import Optional

import libcst as cst

from aiolint.core.needs import Needs
from aiolint.core.rule import Blocking, BlockingCallRule, RuleDocs
from aiolint.semantics.syntax import names_in
from aiolint.semantics import blocking

_EXEC = blocking.SUBPROCESS_EXEC
_SHELL = blocking.SUBPROCESS_SHELL
_SPAWN = blocking.SPAWN
_WAIT = blocking.WAIT
# `x.attr(...)` can only resolve to one of these when attr is the last part of one of them.
_LAST_NAMES = frozenset(name.rsplit(".", 1)[1] for name in _EXEC | _SHELL | _SPAWN | _WAIT)


class BlockingSubprocess(BlockingCallRule):
    code = "AIO102"
    name = "blocking-subprocess"
    needs = (Needs(calls=_LAST_NAMES, imports=("subprocess", "os")),)
    # `import os` is everywhere: also require one of the reported names (aliases keep them in the import).
    docs = RuleDocs(
        what=(
            "Checks for synchronous process calls in async functions: `subprocess.run`, `call`, "
            "`check_call`, `check_output`, `Popen`, `getoutput`, `getstatusoutput`, `os.system`, "
            "`os.popen`, `os.spawn*`, `os.posix_spawn`, `os.posix_spawnp` and `os.wait*`."
        ),
        why=(
            "These calls wait for the child process (or for the shell) in the current thread, so "
            "the event loop stops for as long as the command runs. asyncio starts processes "
            "without blocking and lets the task await their output and exit status."
        ),
        example=(
            "import subprocess\n\n"
            "async def version():\n"
            "    return subprocess.check_output(['git', 'describe'])\n"
        ),
        use_instead=(
            "import asyncio\n\n"
            "async def version():\n"
            "    proc = await asyncio.create_subprocess_exec(\n"
            "        'git', 'describe', stdout=asyncio.subprocess.PIPE\n"
            "    )\n"
            "    out, _ = await proc.communicate()\n"
            "    return out\n"
        ),
    )

    def match(self, call: cst.Call) -> Optional[Blocking]:
        if isinstance(call.func, cst.Attribute) and call.func.attr.value not in _LAST_NAMES:
            return None
        qualified = self.model.qualified_name(call.func)
        if qualified is None:
            return None
        if qualified in _EXEC:
            shell = any(
                a.keyword is not None and a.keyword.value == "shell" and _is_true(a.value) for a in call.args
            )
            return Blocking(qualified, self._replacement("shell" if shell else "exec"))
        if qualified in _SHELL:
            return Blocking(qualified, self._replacement("shell"))
        if qualified in _SPAWN:
            return Blocking(qualified, self._replacement("exec"))
        if qualified in _WAIT and not _nonblocking_wait(call):
            return Blocking(qualified, self._replacement("wait"))
        return None

    def _replacement(self, kind: str) -> str:
        library = self.model.async_library
        if library != "asyncio":
            return f"'await {library}.run_process(...)'"
        if kind == "wait":
            return "'await proc.wait()' on a process started with asyncio.create_subprocess_exec"
        return f"'await asyncio.create_subprocess_{kind}(...)'"


def _is_true(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "True"


def _nonblocking_wait(call: cst.Call) -> bool:
    """`os.waitpid(pid, os.WNOHANG)` and friends return at once: a poll, not a wait."""
    # `WNOHANG` or `os.WNOHANG`: an attribute's name is a name in it too.
    return any("WNOHANG" in names_in(arg.value) for arg in call.args)

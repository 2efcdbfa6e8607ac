from __future__ import annotations

from typing import Optional

import libcst as cst

from aiolint.core.needs import Needs
from aiolint.core.rule import Blocking, BlockingCallRule, RuleDocs
from aiolint.rules._threads import to_thread_fix, to_thread_text
from aiolint.semantics import blocking, dotted_name
from aiolint.semantics.library import PATH
from aiolint.semantics.types import library_type

# `x.attr(...)` can only be one of these when attr is the last part of a listed name or a Path method.
_LAST_NAMES = frozenset(name.rsplit(".", 1)[1] for name in blocking.FILESYSTEM_FUNCTIONS) | frozenset(
    blocking.PATH_METHODS
) | {blocking.PATH_RESOLVE}


class BlockingFilesystemCall(BlockingCallRule):
    code = "AIO108"
    name = "blocking-filesystem-call"
    fix_availability = "unsafe"
    needs = (Needs(calls=_LAST_NAMES, imports=("os", "shutil", "glob", "tempfile", "pathlib")),)
    docs = RuleDocs(
        what=(
            "Checks for calls in async functions that ask the file system and wait for it: "
            "`os.stat`, `os.listdir`, `os.scandir`, `os.walk`, `os.remove`, `os.rename`, "
            "`os.makedirs` and the other `os` functions that touch the disk; the `os.path` "
            "functions that stat (`exists`, `isfile`, `isdir`, `getsize`, `getmtime`, `realpath`, "
            "...); `shutil` copies, moves, removals, archives and `disk_usage`; `glob.glob`/`iglob`; "
            "`tempfile.mkstemp`/`mkdtemp`/`TemporaryFile`/`NamedTemporaryFile`/`TemporaryDirectory`; "
            "and the `pathlib.Path` methods that touch the disk (`exists`, `is_file`, `is_dir`, "
            "`stat`, `iterdir`, `glob`, `mkdir`, `unlink`, `rename`, `touch`, ..., "
            "`resolve(strict=True)`) on a path built in view (`Path(...)`, a name holding one, "
            "`Path(...) / 'x'`, `Path(__file__).parent`). Path arithmetic never touches the disk "
            "and is never reported: `os.path.join`, `basename`, `dirname`, `splitext`, `normpath`, "
            "`abspath`, `PurePath`, `Path.name`, `parent`, `with_suffix`, `resolve()`."
        ),
        why=(
            "Each of these is a system call that waits for the disk. On a local SSD that is "
            "microseconds, but on a network file system, a spun-down disk, a directory with many "
            "entries or a large tree to copy or remove it is milliseconds to seconds, and the event "
            "loop and every task on it stop for all of it."
        ),
        example=(
            "import os\n\n"
            "async def cleanup(path):\n"
            "    if os.path.exists(path):\n"
            "        os.remove(path)\n"
        ),
        use_instead=(
            "import asyncio\n"
            "import os\n"
            "\n"
            "async def cleanup(path):\n"
            "    if await asyncio.to_thread(os.path.exists, path):\n"
            "        await asyncio.to_thread(os.remove, path)\n"
        ),
        fix_safety=(
            "Unsafe, and only for calls that return a finished value: the fix runs the call in a "
            "worker thread with `await asyncio.to_thread(os.remove, path)` (trio and anyio: "
            "`to_thread.run_sync`). It changes the thread the call runs in, and other tasks now run "
            "while it waits, so a check-then-act sequence can interleave with them. Iterators and "
            "context managers (`os.walk`, `os.scandir`, `glob.iglob`, `Path.iterdir`, `Path.glob`, "
            "the `tempfile` classes) get no fix: their use does the I/O, so the whole loop or block "
            "has to move to a thread. An async file-system API is the better end state: "
            "`await aiofiles.os.path.exists(path)`, `await anyio.Path(path).exists()`."
        ),
    )

    def match(self, call: cst.Call) -> Optional[Blocking]:
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value not in _LAST_NAMES:
            return None
        model = self.model
        qualified = model.qualified_name(func)
        value = blocking.FILESYSTEM_FUNCTIONS.get(qualified or "")
        if value is not None:
            return self._blocking(call, qualified, value, aiofiles=qualified in blocking.AIOFILES_OS)
        if not isinstance(func, cst.Attribute):
            return None
        method = func.attr.value
        value = blocking.PATH_METHODS.get(method)
        if value is None and not (method == blocking.PATH_RESOLVE and _strict(call)):
            return None
        if qualified is not None or library_type(model.type_of(func.value)) != PATH:
            return None  # `os.stat` & co are above; a module attribute is no path
        if model.offloaded_here(func.value):
            return None
        return self._blocking(call, f"pathlib.Path.{method}", value is not False, path=True)

    def _blocking(self, call: cst.Call, callee: str, value: bool, *, aiofiles: bool = False, path: bool = False):
        library = self.model.async_library
        if library != "asyncio":
            instead = f"{library}.Path, or " if path or aiofiles or callee.startswith("os.") else ""
        elif path:
            instead = "anyio.Path, or "
        elif aiofiles or callee in blocking.AIOFILES_TEMPFILE:
            instead = f"aiofiles.{callee}, or "
        elif callee.startswith(("os.", "glob.")):
            instead = "aiofiles.os or anyio.Path, or "
        else:
            instead = ""
        if value:
            return Blocking(callee, f"{instead}{to_thread_text(call, library)}", fix=to_thread_fix(self, call))
        runner = f"{library}.to_thread" if library == "asyncio" else f"{library}.to_thread.run_sync"
        shown = dotted_name(call.func) or callee
        return Blocking(callee, f"{instead}run the code that uses {shown}() in {runner}")


def _strict(call: cst.Call) -> bool:
    return any(
        (a.keyword is not None and a.keyword.value == "strict" or (a.keyword is None and not a.star))
        and isinstance(a.value, cst.Name)
        and a.value.value == "True"
        for a in call.args
    )

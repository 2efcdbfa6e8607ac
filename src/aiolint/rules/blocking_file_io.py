from __future__ import annotations

from typing import Optional

import libcst as cst

from aiolint.core.needs import Needs
from aiolint.core.rule import Blocking, BlockingCallRule, RuleDocs
from aiolint.rules._threads import has_to_thread, to_thread_fix, to_thread_text
from aiolint.semantics import blocking, dotted_name
from aiolint.semantics.library import ANNOTATIONS, FILE, PATH
from aiolint.semantics.types import library_type

# Calls AIO103 reports by their own name: the openers and the whole-file Path methods.
_OPENING = (
    Needs(calls=frozenset({"open"}), bare=True),  # builtins.open, or io.open imported by name
    Needs(calls=blocking.PATH_READ_WRITE),
    Needs(calls=frozenset({"open"}), imports=("pathlib", "io")),  # Path(...).open(), io.open(...)
    Needs(calls=frozenset({"fdopen", "open_code"}), imports=("os", "io")),
)
# A file-object method: the file comes from an opener called somewhere in the module, or from an
# annotation (`typing.IO`, `io.TextIOWrapper`, ...).
_FILE_METHOD = Needs(
    calls=blocking.FILE_METHODS,
    built=frozenset({"open", "fdopen", "open_code", "TemporaryFile", "NamedTemporaryFile"}),
    annotated=frozenset(name.rsplit(".", 1)[1] for name in ANNOTATIONS),
)


class BlockingFileIo(BlockingCallRule):
    code = "AIO103"
    name = "blocking-file-io"
    fix_availability = "unsafe"
    needs = (*_OPENING, _FILE_METHOD)
    docs = RuleDocs(
        what=(
            "Checks for synchronous file I/O in async functions: the builtin `open()`, `io.open()`, "
            "`io.open_code()`, `os.fdopen()`, the `pathlib.Path` methods `read_text`, `read_bytes`, "
            "`write_text`, `write_bytes` and `open` on a path built in view (`Path(...)`, a name "
            "that holds one), and `read`, `readline`, `readlines`, `write`, `writelines` and "
            "`flush` on a sync file object: one opened in view (`f = open(...)`, "
            "`with open(...) as f`, `self.f = open(...)`) or declared as one (a parameter or "
            "attribute annotated `IO`, `TextIO`, `BinaryIO`, `io.TextIOWrapper`, ...)."
        ),
        why=(
            "Disk I/O runs in the calling thread. A slow disk, a network file system or a large "
            "file stops the event loop for the whole read or write, and every other task waits."
        ),
        example=(
            "from pathlib import Path\n\n"
            "async def load(name):\n"
            "    return Path(name).read_text()\n"
        ),
        use_instead=(
            "import asyncio\n"
            "from pathlib import Path\n"
            "\n"
            "async def load(name):\n"
            "    return await asyncio.to_thread(Path(name).read_text)\n"
        ),
        fix_safety=(
            "Unsafe, and only for calls that do a whole read or write: the `Path` methods "
            "`read_text`, `read_bytes`, `write_text`, `write_bytes`, and the file-object methods. "
            "The fix runs the call in a worker thread with `await asyncio.to_thread(path.read_text)`. "
            "It changes the thread the call runs in. `open()` gets no fix: the reads and writes on "
            "the file object block too, so the whole block has to move (aiofiles, anyio.Path, or a "
            "helper run in a thread). An async file API (`await anyio.Path(name).read_text()`) is the "
            "better end state."
        ),
    )

    def match(self, call: cst.Call) -> Optional[Blocking]:
        func = call.func
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method in blocking.FILE_METHODS:
                return self._file_method(call, func)
            if method != "open" and method not in blocking.PATH_READ_WRITE and method not in ("fdopen", "open_code"):
                return None
        model = self.model
        qualified = model.qualified_name(func)
        library = model.async_library
        if qualified in blocking.OPEN_FUNCTIONS:
            shown = "open" if qualified == "builtins.open" else qualified
            return Blocking(shown, self._open_replacement(library))
        if not isinstance(func, cst.Attribute) or library_type(model.type_of(func.value)) != PATH:
            return None
        method = func.attr.value
        if method == "open":
            return Blocking("pathlib.Path.open", self._open_replacement(library))
        if method in blocking.PATH_READ_WRITE:
            return Blocking(
                f"pathlib.Path.{method}",
                f"{self._path_class(library)} or {to_thread_text(call, library, self.settings.target_version)}",
                fix=to_thread_fix(self, call),
            )
        return None

    def _file_method(self, call: cst.Call, func: cst.Attribute) -> Optional[Blocking]:
        if isinstance(func.value, cst.Call) or library_type(self.model.type_of(func.value)) != FILE:
            return None  # `open(p).read()`: the open is reported, once is enough
        if self.model.offloaded_here(func.value):
            return None  # the function sends this file's methods to a thread elsewhere: a deliberate fast path
        library = self.model.async_library
        shown = dotted_name(func) or func.attr.value
        if library == "asyncio":
            instead = f"a file opened with aiofiles or anyio, or {to_thread_text(call, library)}"
        else:
            instead = f"a file opened with 'await {library}.open_file(...)', or {to_thread_text(call, library)}"
        return Blocking(shown, instead, fix=to_thread_fix(self, call))

    @staticmethod
    def _path_class(library: str) -> str:
        return "trio.Path" if library == "trio" else "anyio.Path"

    def _open_replacement(self, library: str) -> str:
        if library == "asyncio":
            where = "asyncio.to_thread" if has_to_thread(library, self.settings.target_version) else "a worker thread"
            return f"'async with aiofiles.open(...)' or anyio.Path, or run the whole file access in {where}"
        return f"'await {library}.open_file(...)' or {self._path_class(library)}"

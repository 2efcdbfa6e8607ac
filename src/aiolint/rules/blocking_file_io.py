from __future__ import annotations

import re
from typing import Optional

import libcst as cst

from aiolint.core.needs import Needs
from aiolint.core.rule import Blocking, BlockingCallRule, RuleDocs
from aiolint.rules._threads import has_to_thread, to_thread_fix, to_thread_text
from aiolint.semantics.scopes import ASSIGN, WITH

_OPEN = frozenset({"builtins.open", "io.open"})
_PATH_CLASSES = frozenset({"pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath"})
_PATH_FACTORIES = frozenset({f"{cls}.{m}" for cls in _PATH_CLASSES for m in ("home", "cwd")})
# Path methods that do the whole read or write: moving them to a thread is a complete fix.
_VALUE_METHODS = frozenset({"read_text", "read_bytes", "write_text", "write_bytes"})
# Path methods and properties that return another path (no I/O of note).
_DERIVED = frozenset(
    {"with_name", "with_suffix", "with_stem", "joinpath", "resolve", "absolute", "expanduser", "relative_to"}
)
_MAX_DEPTH = 8  # names holding names holding paths: enough for real code, and it terminates


# A bare `open(` or a whole-file Path method; or `.open(` with a Path or `io` in sight.
_OPEN_OR_WHOLE_FILE = re.compile(r"(?<![\w.])open\b[\s)]*\(|\b(?:read|write)_(?:text|bytes)\b")
_DOT_OPEN = re.compile(r"\.open\b[\s)]*\(")
_PATH_OR_IO = re.compile(r"Path\b|\bio\b")


class BlockingFileIo(BlockingCallRule):
    code = "AIO103"
    name = "blocking-file-io"
    fix_availability = "unsafe"
    needs = (Needs(calls=frozenset({"open"}) | _VALUE_METHODS),)
    docs = RuleDocs(
        what=(
            "Checks for synchronous file I/O in async functions: the builtin `open()`, `io.open()`, "
            "and the `pathlib.Path` methods `read_text`, `read_bytes`, `write_text`, `write_bytes` "
            "and `open` on `Path(...)` or on a name that holds one."
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
            "import anyio\n\n"
            "async def load(name):\n"
            "    return await anyio.Path(name).read_text()\n"
        ),
        fix_safety=(
            "Unsafe, and only for the `Path` methods that do the whole read or write "
            "(`read_text`, `read_bytes`, `write_text`, `write_bytes`): the fix runs the call in "
            "a worker thread with `await asyncio.to_thread(path.read_text)`. It changes the thread "
            "the call runs in. `open()` gets no fix: the reads and writes on the file object block "
            "too, so the whole block has to move (aiofiles, anyio.Path, or a helper run in a thread)."
        ),
    )

    def match(self, call: cst.Call) -> Optional[Blocking]:
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value != "open" and func.attr.value not in _VALUE_METHODS:
            return None
        qualified = self.model.qualified_name(func)
        library = self.model.async_library
        if qualified in _OPEN:
            shown = "open" if qualified == "builtins.open" else qualified
            return Blocking(shown, self._open_replacement(library))
        if not isinstance(func, cst.Attribute) or not self._is_path(func.value, self.model.scope, 0):
            return None
        method = func.attr.value
        if method == "open":
            return Blocking("pathlib.Path.open", self._open_replacement(library))
        if method in _VALUE_METHODS:
            return Blocking(
                f"pathlib.Path.{method}",
                f"{self._path_class(library)} or {to_thread_text(call, library, self.settings.target_version)}",
                fix=to_thread_fix(self, call),
            )
        return None

    @staticmethod
    def _path_class(library: str) -> str:
        return "trio.Path" if library == "trio" else "anyio.Path"

    def _open_replacement(self, library: str) -> str:
        if library == "asyncio":
            where = "asyncio.to_thread" if has_to_thread(library, self.settings.target_version) else "a worker thread"
            return f"'async with aiofiles.open(...)' or anyio.Path, or run the whole file access in {where}"
        return f"'await {library}.open_file(...)' or {self._path_class(library)}"

    def _is_path(self, expr: cst.BaseExpression, scope, depth: int) -> bool:
        """Evidence that `expr` is a pathlib path: built by Path(...), derived from one, or a name holding one."""
        if depth > _MAX_DEPTH:
            return False
        model = self.model
        if isinstance(expr, cst.Call):
            qualified = model.qualified_name(expr.func, scope)
            if qualified in _PATH_CLASSES or qualified in _PATH_FACTORIES:
                return True
            func = expr.func
            return (
                isinstance(func, cst.Attribute)
                and func.attr.value in _DERIVED
                and self._is_path(func.value, scope, depth + 1)
            )
        if isinstance(expr, cst.BinaryOperation):  # Path(base) / "name"
            return isinstance(expr.operator, cst.Divide) and self._is_path(expr.left, scope, depth + 1)
        if isinstance(expr, cst.Attribute):  # Path(f).parent
            return expr.attr.value == "parent" and self._is_path(expr.value, scope, depth + 1)
        if isinstance(expr, cst.Name):
            found = model.lookup(expr.value, scope)
            if found is None:
                return False
            binding_scope, bindings = found
            if len(bindings) != 1 or bindings[0].kind not in (ASSIGN, WITH):
                return False
            return self._is_path(bindings[0].value, binding_scope, depth + 1)
        return False

"""The rest of the project: other modules' functions, classes and objects, read with `ast`.

Names a module imports from its own project (`from .db import db`, `from utils import fetch`)
are resolved by *reading* the other module's source, never importing it. Each module is
summarised once (`summarise`, a plain-data dict from Python's `ast`: ~10x cheaper than a LibCST
parse) and the summary is cached by content hash, in memory and, when the project has an
`.aiolint_cache/` directory, on disk beside the findings cache (`summary_store.py`). What the summaries say is
worked out lazily, on demand, by `ProjectIndex`:

- a module-level object's type (`db = Database()`, `conn = sqlite3.connect(...)`),
- a class's attributes (`self.cur = self.conn.cursor()` anywhere in the class, `x: T`) and
  methods (async or not),
- a function's declared or evident return, and whether it blocks: directly (the library
  table's blocking functions and methods of blocking types) or through other project
  functions, with the chain of hops (file:line).

Only files under the project root are read (the root: the nearest directory holding
`pyproject.toml`, `setup.cfg` or `.git`); a symlink that leaves it is ignored; a module that does
not parse is unknown. The same lazy answers serve `aiolint check` and the flake8 plugin, so both
report the same.
"""
from __future__ import annotations

import ast
import functools
import hashlib
import os
import threading
from dataclasses import dataclass
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

from aiolint.semantics import blocking, library, primitives
from aiolint.semantics.receivers import Receivers
from aiolint.semantics.summary_store import SummaryStore

_ROOT_MARKERS = ("pyproject.toml", "setup.cfg", ".git")
_SUMMARY_FORMAT = 1
_MAX_FILE = 2_000_000  # bytes: larger files are not summarised
_MAX_NESTING = 40  # answers depending on answers, this deep at most (each level is a few stack frames)
_TRANSPARENT = frozenset({"staticmethod", "classmethod", "abstractmethod", "abc.abstractmethod", "override",
                          "typing.override"})
_PLAIN = _TRANSPARENT | {"functools.lru_cache", "functools.cache", "lru_cache", "cache", "functools.wraps"}
# Spelled as written (a summary resolves no names): the forms `types.annotation_type` reads alike.
_OPTIONAL = frozenset({"Optional", "typing.Optional", "Union", "typing.Union", "Annotated", "typing.Annotated",
                       "Final", "typing.Final", "ClassVar", "typing.ClassVar"})

TypeRef = Tuple[str, Optional[str]]  # (type name, module path or None for a library type)
Hop = Tuple[str, str, int]  # (what is called, file, line)


# ====================================================================== summaries (plain data)
def _desc(node: Optional[ast.AST]) -> Any:
    """An expression as a small JSON-able tree: names, attributes, calls and items only."""
    if isinstance(node, ast.Name):
        return ["n", node.id]
    if isinstance(node, ast.Attribute):
        inner = _desc(node.value)
        return ["a", inner, node.attr] if inner is not None else None
    if isinstance(node, ast.Call):
        inner = _desc(node.func)
        return ["c", inner] if inner is not None else None
    if isinstance(node, ast.Subscript):
        inner = _desc(node.value)
        return ["s", inner] if inner is not None else None
    if isinstance(node, ast.Await):
        return ["w"]  # an awaited value: never a blocking object we know
    if isinstance(node, ast.Constant) and node.value is None:
        return ["none"]
    return None


def _annotation(node: Optional[ast.AST]) -> Any:
    """The class an annotation declares (`T`, `Optional[T]`, `T | None`, `"T"`, `Generic[X]`), as a descriptor."""
    if node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) < 200:
        try:
            node = ast.parse(node.value, mode="eval").body
        except (SyntaxError, ValueError, RecursionError):
            return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        parts = [p for p in (node.left, node.right) if not (isinstance(p, ast.Constant) and p.value is None)]
        return _annotation(parts[0]) if len(parts) == 1 else None
    if isinstance(node, ast.Subscript):
        outer = _dotted(node.value)
        if outer in _OPTIONAL:
            inner = node.slice
            elements = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            if outer.endswith("Annotated"):
                elements = elements[:1]
            parts = [p for p in elements if not (isinstance(p, ast.Constant) and p.value is None)]
            return _annotation(parts[0]) if len(parts) == 1 else None
        # `Query[T]`, `Queue[int]`: an instance of the class (`type[T]` gives `type`, known to be nothing)
        return _annotation(node.value)
    if isinstance(node, (ast.Name, ast.Attribute)):
        return ["t", _desc(node)]
    return None


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def _decorator(node: ast.AST) -> str:
    return _dotted(node.func if isinstance(node, ast.Call) else node)


_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _child_fields(kind: type) -> Tuple[str, ...]:
    # Expression contexts and operators are nodes too, but never what a summary looks for.
    fields = _CHILD_FIELDS[kind] = tuple(f for f in kind._fields if f not in ("ctx", "op", "ops"))
    return fields


_CHILD_FIELDS: Dict[type, Tuple[str, ...]] = {}


def _own_nodes(body: List[ast.stmt], nested: Optional[List[str]] = None, wanted: Optional[frozenset] = None):
    """The nodes of a function body (only those of a `wanted` type, if given), not entering nested
    defs, lambdas or classes (whose names go to `nested`). Children are pushed in
    `ast.iter_child_nodes` order (its fields, lists in order), read directly: this walk is most of
    what summarising a module costs."""
    stack = list(reversed(body))
    pop, push, AST, fields_of = stack.pop, stack.append, ast.AST, _CHILD_FIELDS.get
    while stack:
        node = pop()
        kind = type(node)
        if kind in _NESTED:
            if nested is not None:
                nested.append(node.name)
            continue
        if wanted is None or kind in wanted:
            yield node
        for field in fields_of(kind) or _child_fields(kind):
            value = getattr(node, field, None)
            if type(value) is list:
                for child in value:
                    if isinstance(child, AST) and type(child) is not ast.Lambda:
                        push(child)
            elif isinstance(value, AST) and type(value) is not ast.Lambda:
                push(value)


_BINDINGS = frozenset({ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor, ast.withitem, ast.NamedExpr})
# What a function's summary reads from its body; the walk yields nothing else.
_SUMMARISED = _BINDINGS | {
    ast.Yield, ast.YieldFrom, ast.Call, ast.Return, ast.Import, ast.ImportFrom, ast.ExceptHandler
}


def _function(node, method: bool) -> Dict[str, Any]:
    decorators = [_decorator(d) for d in node.decorator_list]
    has_yield = False
    calls: List[Any] = []
    locals_: Dict[str, List[Any]] = {}
    returns: List[Any] = []
    self_attrs: Dict[str, List[Any]] = {}
    params = node.args.posonlyargs + node.args.args
    receiver = params[0].arg if method and params and "staticmethod" not in decorators else None
    yields: List[Any] = []
    nested: List[str] = []
    for child in _own_nodes(node.body, nested, _SUMMARISED):
        kind = type(child)
        if kind is ast.Call:
            func = _desc(child.func)
            if func is not None:
                # Ordered by where the callee ends: `a().b()` runs `a()` first.
                calls.append([func, child.lineno, child.func.end_lineno or 0, child.func.end_col_offset or 0])
        elif kind in _BINDINGS:
            _bindings(child, locals_, self_attrs, receiver)
        elif kind is ast.Yield or kind is ast.YieldFrom:
            has_yield = True
            yields.append(_desc(child.value) if kind is ast.Yield and child.value is not None else None)
        elif kind is ast.Return:
            if child.value is not None:
                returns.append(_desc(child.value))
        elif kind is ast.Import or kind is ast.ImportFrom:
            for alias in child.names:
                locals_.setdefault((alias.asname or alias.name).split(".")[0], []).append(None)
        elif kind is ast.ExceptHandler and child.name:
            locals_.setdefault(child.name, []).append(None)
    for name in nested:
        locals_.setdefault(name, []).append(None)
    annotations = {a.arg: _annotation(a.annotation) for a in params + node.args.kwonlyargs}
    for star in (node.args.vararg, node.args.kwarg):
        if star is not None:
            annotations[star.arg] = None
    is_async = isinstance(node, ast.AsyncFunctionDef)
    return {
        "line": node.lineno,
        "async": is_async,
        "coroutine": is_async and not has_yield and all(d in _TRANSPARENT for d in decorators),
        "plain": not is_async and not has_yield and all(d in _PLAIN for d in decorators),
        "property": any(d in ("property", "functools.cached_property", "cached_property") for d in decorators),
        "contextmanager": any(d in ("contextmanager", "contextlib.contextmanager") for d in decorators),
        "yields": yields,
        "params": annotations,
        "receiver": receiver,
        "locals": locals_,
        "returns_ann": _annotation(node.returns),
        "returns": returns,
        "calls": [call[:2] for call in sorted(calls, key=lambda c: (c[2], c[3]))],
        "self_attrs": self_attrs,
    }


def _bindings(node, locals_, self_attrs, receiver) -> None:
    if isinstance(node, ast.Assign):
        single = len(node.targets) == 1
        for target in node.targets:
            _bind(target, _desc(node.value) if single else None, None, locals_, self_attrs, receiver)
    elif isinstance(node, ast.AnnAssign):
        value = _desc(node.value) if node.value is not None else None
        _bind(node.target, value, _annotation(node.annotation), locals_, self_attrs, receiver)
    elif isinstance(node, ast.withitem):
        if node.optional_vars is not None:
            _bind(node.optional_vars, _desc(node.context_expr), None, locals_, self_attrs, receiver)
    else:  # AugAssign, For, NamedExpr: not a value we can type
        _bind(node.target, None, None, locals_, self_attrs, receiver)


def _bind(target, value, annotation, locals_, self_attrs, receiver) -> None:
    entry = ["ann", annotation, value] if annotation is not None else value
    if isinstance(target, ast.Name):
        locals_.setdefault(target.id, []).append(entry)
    elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == receiver:
        self_attrs.setdefault(target.attr, []).append(entry)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            _bind(element, None, None, locals_, self_attrs, receiver)
    elif isinstance(target, ast.Starred):
        _bind(target.value, None, None, locals_, self_attrs, receiver)


def record_import(node: ast.AST, imports: Dict[str, str]) -> bool:
    """If `node` is an import statement, note what each name it binds stands for (`import a.b` binds
    `a`; `from .m import x as y` binds `y` to `.m.x`; star imports bind nothing known) and say so.
    The screen (`core/needs.py`) reads a linted file's imports with it too, so both agree."""
    kind = type(node)
    if kind is ast.Import:
        for alias in node.names:
            if alias.asname:
                imports[alias.asname] = alias.name
            else:
                top = alias.name.split(".")[0]
                imports[top] = top
        return True
    if kind is ast.ImportFrom:
        module = "." * node.level + (node.module or "")
        for alias in node.names:
            if alias.name != "*":
                joined = module + alias.name if module.endswith(".") else f"{module}.{alias.name}"
                imports[alias.asname or alias.name] = joined
        return True
    return False


def summarise(source: bytes) -> Optional[Dict[str, Any]]:
    """A module's facts as plain data, or None when it does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    imports: Dict[str, str] = {}
    objects: Dict[str, List[Any]] = {}
    functions: Dict[str, Any] = {}
    classes: Dict[str, Any] = {}
    unknown: set = set()

    def visit(statements) -> None:
        for node in statements:
            if record_import(node, imports):
                continue
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if node.name in functions or node.name in classes:
                    unknown.add(node.name)
                functions[node.name] = _function(node, method=False)
            elif isinstance(node, ast.ClassDef):
                if node.name in functions or node.name in classes:
                    unknown.add(node.name)
                classes[node.name] = _class(node)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                _bindings(node, objects, {}, None)
            elif isinstance(node, (ast.If, ast.Try)):
                # `if TYPE_CHECKING:` / `try: import x` blocks: their definitions count too.
                visit(node.body)
                for handler in getattr(node, "handlers", ()):
                    visit(handler.body)
                visit(node.orelse)
            elif isinstance(node, (ast.For, ast.While, ast.With, ast.AugAssign)):
                for child in ast.walk(node):
                    if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
                        unknown.add(child.id)

    visit(tree.body)
    return {
        "format": _SUMMARY_FORMAT,
        "imports": imports,
        "objects": objects,
        "functions": {k: v for k, v in functions.items() if k not in unknown},
        "classes": {k: v for k, v in classes.items() if k not in unknown},
        "unknown": sorted(unknown),
    }


def _class(node: ast.ClassDef) -> Dict[str, Any]:
    attributes: Dict[str, List[Any]] = {}
    methods: Dict[str, Any] = {}
    for statement in node.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            summary = _function(statement, method=True)
            methods[statement.name] = summary
            if summary["property"]:
                attributes.setdefault(statement.name, []).append(["ann", summary["returns_ann"], None])
        elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
            _bindings(statement, attributes, {}, None)
    for method_name, method in methods.items():
        for name, entries in method["self_attrs"].items():
            # Evaluated in the method that assigns them: `self.cur = self.conn.cursor()`.
            attributes.setdefault(name, []).extend(["in", method_name, entry] for entry in entries)
    return {
        "line": node.lineno,
        "bases": [_desc(b) for b in node.bases],
        "attributes": attributes,
        "methods": methods,
    }


# ====================================================================== finding the project
def project_root(path: str) -> Optional[str]:
    """The nearest directory above `path` holding pyproject.toml, setup.cfg or .git."""
    try:
        return _root_of(os.path.dirname(os.path.abspath(path)))
    except (OSError, ValueError):
        return None


@functools.lru_cache(maxsize=4096)
def _root_of(current: str) -> Optional[str]:
    while True:
        if any(os.path.exists(os.path.join(current, marker)) for marker in _ROOT_MARKERS):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


@dataclass
class FunctionView:
    """What a rule may ask about a function or method of another module."""

    index: "ProjectIndex"
    path: str
    name: str  # "fetch_price" or "Database.add_user"
    raw: Dict[str, Any]
    cls: Optional[str] = None

    @property
    def line(self) -> int:
        return self.raw["line"]

    @property
    def is_coroutine(self) -> bool:
        return bool(self.raw["coroutine"])

    @property
    def plain(self) -> bool:
        return bool(self.raw["plain"])

    @property
    def returns(self) -> Optional[TypeRef]:
        return self.index.returns(self.path, self.raw, self.cls)

    @property
    def awaited_returns(self) -> Optional[TypeRef]:
        """For an `async def`: what `await f()` gives."""
        return self.index.returns(self.path, self.raw, self.cls, awaited=True)

    @property
    def is_context_manager(self) -> bool:
        return bool(self.raw.get("contextmanager"))

    @property
    def provides(self) -> Optional[TypeRef]:
        """What it yields (a generator: a FastAPI dependency, a `@contextmanager`), or returns."""
        return self.index.provides(self.path, self.raw, self.cls)

    @property
    def blocks(self) -> Optional[List[Hop]]:
        """The chain from this function down to the blocking call, or None when it does not block."""
        return self.index.blocks(self.path, self.name, self.raw, self.cls)


@dataclass
class ClassView:
    index: "ProjectIndex"
    path: str
    name: str
    raw: Dict[str, Any]

    def defines(self, method: str) -> bool:
        """Is `method` defined in the class's own body (not inherited)?"""
        return method in self.raw["methods"]


class _Reads:
    """The files read while answering one question. A remembered answer's files come as the one
    frozenset it was stored with, kept whole (tens of thousands of answers share a few thousand
    sets, of up to hundreds of files each): they are merged once, when the question is answered."""

    __slots__ = ("paths", "groups")

    def __init__(self) -> None:
        self.paths: set = set()
        self.groups: set = set()

    def add(self, paths) -> None:
        if type(paths) is frozenset:
            self.groups.add(paths)
        else:
            self.paths.update(paths)

    def frozen(self) -> frozenset:
        return frozenset(self.paths).union(*self.groups) if self.groups else frozenset(self.paths)


class ProjectIndex:
    """Lazy answers about the modules of one project, from their summaries."""

    def __init__(self, root: str, cache_dir: Optional[str] = None):
        self.root = os.path.realpath(root)
        self.cache_dir = cache_dir
        self._stores: Dict[str, SummaryStore] = {}
        self._summaries: Dict[str, Optional[Dict[str, Any]]] = {}
        self._stamps: Dict[str, Tuple[str, int, int]] = {}
        self._memo: Dict[tuple, Tuple[Any, frozenset]] = {}
        self._assumed: Dict[tuple, Optional[TypeRef]] = {}  # locals being typed: what their values gave so far
        # The files each answer was read from, so that a cached finding can say what it depends on.
        self._recording: List[_Reads] = []
        self._reads: Dict[frozenset, frozenset] = {}
        self._in_base: Dict[Tuple[str, str], Optional[str]] = {}  # (dotted, search directory) -> module file
        self._search: Dict[str, List[str]] = {}
        self._real: Dict[str, str] = {}  # os.path.realpath, once per path (an lstat per part each time)
        self._real_directories: Dict[str, str] = {}
        # Directory contents, read once: resolving `a.b.c` tries a few candidate files in each
        # search directory of each importing package, which were hundreds of thousands of stats.
        self._listings: Dict[str, Tuple[frozenset, frozenset]] = {}
        self._holding: Dict[Tuple[str, str], tuple] = {}  # (directory, top name) -> search dirs holding it

    # ------------------------------------------------------------------ dependencies
    def _note(self, paths) -> None:
        if self._recording:
            self._recording[-1].add(paths)

    def _memoized(self, key: tuple, compute):
        """`compute()` once per key; the files it read are noted again on every later use."""
        found = self._memo.get(key)
        if found is not None:
            self._note(found[1])
            return found[0]
        if len(self._recording) > _MAX_NESTING:
            return None  # a chain this long through the project: unknown (and not remembered)
        self._memo[key] = (None, frozenset())  # a cycle answers "unknown"
        self._recording.append(_Reads())
        try:
            value = compute()
        finally:
            read = self._recording.pop().frozen()
        read = self._reads.setdefault(read, read)  # tens of thousands of answers share a few thousand sets
        self._memo[key] = (value, read)
        self._note(read)
        return value

    def start_recording(self) -> None:
        self._recording.append(_Reads())

    def stop_recording(self) -> frozenset:
        return self._recording.pop().frozen() if self._recording else frozenset()

    # ------------------------------------------------------------------ files
    def realpath(self, path: str) -> str:
        real = self._real.get(path)
        if real is None:
            directory, name = os.path.split(path)
            if directory and name and name not in (".", "..") and not os.path.islink(path):
                # The files of one directory share its resolution: one lstat each, not one per part
                # of the path (a linted file and every module summarised are resolved).
                real = os.path.join(self._real_directory(directory), name)
            else:
                real = os.path.realpath(path)
            self._real[path] = real
        return real

    def _real_directory(self, directory: str) -> str:
        real = self._real_directories.get(directory)
        if real is None:
            real = self._real_directories[directory] = os.path.realpath(directory)
        return real

    def inside(self, path: str) -> bool:
        real = self.realpath(path)
        return real == self.root or real.startswith(self.root + os.sep)

    def _listing(self, directory: str) -> Tuple[frozenset, frozenset]:
        """(files, directories) in `directory` (symlinks followed, as `os.path.isfile` does); a
        directory its parent under the root does not list is empty without asking the system."""
        found = self._listings.get(directory)
        if found is None:
            parent, name = os.path.split(directory)
            under = parent == self.root or parent.startswith(self.root + os.sep)
            if parent != directory and under and name not in self._listing(parent)[1]:
                found = (frozenset(), frozenset())
            else:
                files, directories = [], []
                try:
                    with os.scandir(directory) as entries:
                        for entry in entries:
                            try:
                                if entry.is_file():
                                    files.append(entry.name)
                                elif entry.is_dir():
                                    directories.append(entry.name)
                            except OSError:
                                continue
                except OSError:
                    pass
                found = (frozenset(files), frozenset(directories))
            self._listings[directory] = found
        return found

    def _is_file(self, path: str) -> bool:
        directory, name = os.path.split(path)
        return name in self._listing(directory)[0]

    def summary(self, path: str) -> Optional[Dict[str, Any]]:
        path = self.realpath(path)
        self._note((path,))
        if path in self._summaries:
            return self._summaries[path]
        found = None
        stamp = (path, -1, -1)
        if self.inside(path) and os.path.isfile(path):
            try:
                with open(path, "rb") as handle:
                    info = os.fstat(handle.fileno())
                    stamp = (path, info.st_size, info.st_mtime_ns)
                    if info.st_size <= _MAX_FILE:
                        found = self._summarise_cached(handle.read())
            except OSError:
                found = None
        self._summaries[path] = found
        self._stamps[path] = stamp
        return found

    def stamp(self, path: str) -> Tuple[str, int, int]:
        """(path, size, mtime_ns) of a project file as it was when its summary was read: what a
        cached finding that used the summary depends on."""
        found = self._stamps.get(path)
        return found if found is not None else file_stamp(path)

    def _summarise_cached(self, source: bytes) -> Optional[Dict[str, Any]]:
        digest = hashlib.sha256(_summariser_version() + source).hexdigest()
        cached = _MEMORY.get(digest)
        if cached is not None:
            return cached[0]
        store = self._store()
        data = store.get(digest) if store is not None else None
        if data is None:
            data = summarise(source)
            if store is not None and data is not None:
                store.put(digest, data)
        _MEMORY[digest] = (data,)
        return data

    def _store(self) -> Optional[SummaryStore]:
        """The summaries beside the findings cache (`summary_store.py`), if there is a cache."""
        directory = self.cache_dir
        if not directory or not os.path.isdir(directory) or os.path.islink(directory):
            return None
        store = self._stores.get(directory)
        if store is None:
            store = self._stores[directory] = SummaryStore(os.path.join(directory, "summaries"), _SUMMARY_FORMAT)
        return store

    def module_file(self, dotted: str, search: List[str]) -> Optional[str]:
        """`a.b` as `a/b.py` or `a/b/__init__.py` under one of the `search` directories."""
        parts = dotted.split(".")
        if not all(p.isidentifier() for p in parts):
            return None
        for base in search:
            if not self._holds(base, parts[0]):
                continue  # most search directories do not hold the top package at all
            key = (dotted, base)
            if key not in self._in_base:
                self._in_base[key] = self._module_in(parts, base)
            if self._in_base[key] is not None:
                return self._in_base[key]
        return None

    def _module_in(self, parts: List[str], base: str) -> Optional[str]:
        files, directories = self._listing(base)
        if parts[0] not in directories and (len(parts) > 1 or parts[0] + ".py" not in files):
            return None  # `a.b` needs a package `a`
        stem = os.path.join(base, *parts)
        for candidate in (stem + ".py", os.path.join(stem, "__init__.py")):
            if self._is_file(candidate) and self.inside(candidate):
                return self.realpath(candidate)
        return None

    def search_path(self, path: str) -> List[str]:
        """Where absolute imports of `path` are looked for: its top package's parent, its own
        directory (scripts), the project root and `src/`."""
        directory = os.path.dirname(self.realpath(path))
        if directory not in self._search:
            self._search[directory] = self._search_path(directory)
        return self._search[directory]

    def _search_path(self, directory: str) -> List[str]:
        top = directory
        while self._is_file(os.path.join(top, "__init__.py")) and self.inside(os.path.dirname(top)):
            top = os.path.dirname(top)
        ancestors = []  # last: the directories between the file and the root (an app run from its own folder)
        current = directory
        while self.inside(current) and current != self.root:
            ancestors.append(current)
            current = os.path.dirname(current)
        found = []
        for candidate in (top, directory, self.root, os.path.join(self.root, "src"), *ancestors):
            if candidate not in found and os.path.isdir(candidate) and self.inside(candidate):
                found.append(candidate)
        return found

    # ------------------------------------------------------------------ names
    def resolve(self, qualified: str, from_path: str, depth: int = 0):
        """What an imported qualified name is: ("function"|"class"|"object", path, name) or None."""
        if depth > 6 or not qualified:
            return None
        if qualified[0] == ".":
            where: Any = os.path.dirname(from_path)
        else:
            # An absolute name resolves alike from every directory whose search directories that
            # hold its top name are the same: one answer per package, not one per directory.
            head = qualified.partition(".")[0]
            key = (os.path.dirname(from_path), head)
            where = self._holding.get(key)
            if where is None:  # asked for every import of every file: once per directory and name
                where = self._holding[key] = tuple(
                    base for base in self.search_path(from_path) if self._holds(base, head)
                )
        # Remembered with the files read on the way (a package's `__init__` that re-exports it).
        key = ("resolve", qualified, where, depth)
        return self._memoized(key, lambda: self._resolve_or_note(qualified, from_path, depth))

    def _resolve_or_note(self, qualified: str, from_path: str, depth: int):
        found = self._resolve(qualified, from_path, depth)
        if found is None:
            self._note_absence(qualified, from_path)
        return found

    def _note_absence(self, qualified: str, from_path: str) -> None:
        """A project name that resolves to nothing may resolve once its module is created (`from
        .db import get_user` before `db.py` exists), and a cached finding must then expire: note
        the deepest directory there is on the way to where the module would be, whose listing
        (and mtime) the new module changes. A name no search directory holds the top of is a
        library's, and notes nothing: the project root is not a dependency of every import."""
        level, parts, search = self._searched(qualified, from_path)
        if not level:
            search = [base for base in search if parts and self._holds(base, parts[0])]
        for directory in search:
            for part in parts[:-1]:  # `a.b.c` would be `a/b/c.py` or `a/b/c/`: both change `a/b`
                if part not in self._listing(directory)[1]:
                    break
                directory = os.path.join(directory, part)
            self._note((directory,))

    def _holds(self, base: str, head: str) -> bool:
        files, directories = self._listing(base)
        return head in directories or head + ".py" in files

    def _searched(self, qualified: str, from_path: str) -> Tuple[int, List[str], List[str]]:
        """(its relative level, its dotted parts, the directories a name is looked for in): a
        relative name's package directory (none outside the root), else the search path."""
        level = len(qualified) - len(qualified.lstrip("."))
        rest = qualified[level:]
        parts = rest.split(".") if rest else []
        if not level:
            return level, parts, self.search_path(from_path)
        base = os.path.dirname(self.realpath(from_path))
        for _ in range(level - 1):
            base = os.path.dirname(base)
        return level, parts, [base] if self.inside(base) else []

    def _resolve(self, qualified: str, from_path: str, depth: int):
        level, parts, search = self._searched(qualified, from_path)
        if not search:
            return None
        for cut in range(len(parts), -1, -1):
            if cut == 0:
                if not level:
                    break
                package = os.path.join(search[0], "__init__.py")  # `from . import x`: the package's own x
                module = self.realpath(package) if self._is_file(package) and self.inside(package) else None
            else:
                module = self.module_file(".".join(parts[:cut]), search)
            if module is None:
                continue
            names = parts[cut:]
            if not names:
                return ("module", module, "")
            if len(names) == 1:
                return self.symbol(module, names[0], depth)
            if len(names) == 2:  # `Class.method` (a static method called through its class)
                found = self.symbol(module, names[0], depth)
                if found is not None and found[0] == "class":
                    return ("method", found[1], f"{found[2]}.{names[1]}")
            return None
        return None

    def symbol(self, path: str, name: str, depth: int = 0):
        summary = self.summary(path)
        if summary is None or name in summary["unknown"]:
            return None
        defined = _defined_in(summary, path, name)
        if defined is not None:
            return defined
        imported = summary["imports"].get(name)
        if imported is not None:  # re-exported: `from .models import Database` in a package
            return self.resolve(imported, path, depth + 1)
        return None

    # ------------------------------------------------------------------ the questions
    def lookup(self, qualified: str, from_path: str):
        """For types.py: (kind, module path, view) for a name imported from the project."""
        found = self.resolve(qualified, from_path)
        if found is None:
            return None
        kind, path, name = found
        summary = self.summary(path)
        if kind == "method":
            cls, _, method = name.partition(".")
            view = self.method(path, cls, method)
            return ("function", path, view) if view is not None else None
        if kind == "module":
            return None
        if kind == "function":
            return kind, path, FunctionView(self, path, name, summary["functions"][name])
        if kind == "class":
            return kind, path, ClassView(self, path, name, summary["classes"][name])
        return kind, path, self.object_type(path, name)

    def object_type(self, path: str, name: str) -> Optional[TypeRef]:
        return self._memoized(("object", path, name), lambda: self._object_type(path, name))

    def _object_type(self, path: str, name: str) -> Optional[TypeRef]:
        summary = self.summary(path)
        if summary is None:
            return None
        return self._agree(summary["objects"].get(name), (path, None, None))

    def attribute(self, path: str, cls: str, attr: str, _depth: int = 0) -> Optional[TypeRef]:
        return self._memoized(("attr", path, cls, attr), lambda: self._attribute(path, cls, attr, _depth))

    def _attribute(self, path: str, cls: str, attr: str, _depth: int) -> Optional[TypeRef]:
        summary = self.summary(path)
        raw = summary["classes"].get(cls) if summary else None
        found = None
        if raw is not None:
            entries = raw["attributes"].get(attr)
            if entries:
                found = self._agree(entries, (path, None, cls))
            elif _depth < 5:
                for base in raw["bases"]:
                    target = self._callee(base, (path, None, None))
                    if target and target[0] == "class":
                        found = self.attribute(target[1], target[2], attr, _depth + 1)
                        if found:
                            break
        return found

    def method(self, path: str, cls: str, name: str, _depth: int = 0) -> Optional[FunctionView]:
        summary = self.summary(path)
        raw = summary["classes"].get(cls) if summary else None
        if raw is None:
            return None
        found = raw["methods"].get(name)
        if found is not None:
            return FunctionView(self, path, f"{cls}.{name}", found, cls)
        if name in raw["attributes"]:
            return None
        if _depth < 5:
            for base in raw["bases"]:
                target = self._callee(base, (path, None, None))
                if target and target[0] == "class":
                    inherited = self.method(target[1], target[2], name, _depth + 1)
                    if inherited is not None:
                        return inherited
        return None

    def returns(self, path: str, raw: Dict[str, Any], cls: Optional[str], awaited: bool = False) -> Optional[TypeRef]:
        """What calling it gives; with `awaited`, what awaiting a call of a coroutine function gives."""
        return self._memoized(("returns", path, id(raw), awaited), lambda: self._returns(path, raw, cls, awaited))

    def _returns(self, path: str, raw: Dict[str, Any], cls: Optional[str], awaited: bool) -> Optional[TypeRef]:
        found = None
        if (raw["coroutine"] if awaited else raw["plain"] or raw["property"]):
            context = (path, raw, cls)
            if raw["returns_ann"] is not None:
                found = self._type(raw["returns_ann"], (path, None, None))
            elif raw["returns"]:
                found = self._agree(raw["returns"], context)
        return found

    def provides(self, path: str, raw: Dict[str, Any], cls: Optional[str]) -> Optional[TypeRef]:
        if not raw.get("yields"):
            return self.returns(path, raw, cls)
        return self._memoized(("provides", path, id(raw)), lambda: self._agree(raw["yields"], (path, raw, cls)))

    def blocks(self, path: str, name: str, raw: Dict[str, Any], cls: Optional[str]) -> Optional[List[Hop]]:
        """Does calling this sync function block? The hops down to the blocking call, each with file:line."""
        return self._memoized(("blocks", path, id(raw)), lambda: self._blocks(path, raw, cls))

    def _blocks(self, path: str, raw: Dict[str, Any], cls: Optional[str]) -> Optional[List[Hop]]:
        found = None
        if raw["plain"]:
            context = (path, raw, cls)
            shown = self.shown(path)
            for func, line in raw["calls"]:
                target = self._callee(func, context)
                if target is None:
                    continue
                if target[0] == "lib" and target[1] in library.BLOCKING_FUNCTIONS:
                    found = [(f"{target[1]}()", shown, line)]
                elif target[0] == "libmethod":
                    blocking = library.blocking_method(target[1], target[2])
                    if blocking is not None and not (target[1] == "queue.Queue" and target[2] == "put"):
                        found = [(f"{target[1]}.{target[2]}()", shown, line)]
                elif target[0] in ("function", "method"):
                    view = self._function_view(target)
                    if view is not None and view.plain:
                        chain = view.blocks
                        if chain:
                            found = [(f"{view.name}()", self.shown(view.path), view.line), *chain]
                if found:
                    break
        return found

    def shown(self, path: str) -> str:
        try:
            return os.path.relpath(path, self.root)
        except ValueError:
            return path

    def _function_view(self, target) -> Optional[FunctionView]:
        if target[0] == "function":
            summary = self.summary(target[1])
            raw = summary["functions"].get(target[2]) if summary else None
            return FunctionView(self, target[1], target[2], raw) if raw is not None else None
        return self.method(target[1], target[2], target[3])

    # ------------------------------------------------------------------ for the engine's triggers
    def relevant_codes(self, path: str, imports, calls: "CallNames", wanted) -> frozenset:
        """The rules of `wanted` that the project names `path` imports can matter to (see engine).

        `imports`: (local name, qualified name as `summarise` spells it) of the imports the file
        refers to; `calls`: the names of the file's calls, by where each rule reports. A project
        name matters only if a call there has the name it would be reported under. Whether a
        sync function blocks (its chain through the project: the costly question) is asked only
        of functions the file calls where AIO107 reports."""
        codes: set = set()
        named: Dict[str, bool] = {}
        # A method matched by name on a receiver (`x.m()`) counts only if some receiver of the file's
        # `.m()` calls may be built from what reaches it (`receivers.py`): a walk of the tree, so
        # asked last, and only if nothing else already sends the file to the parse.
        deferred: Dict[str, List[Tuple[frozenset, str]]] = {}
        for local, qualified in imports:
            found = self.resolve(qualified, path)
            if found is None or found[1] == path:
                continue
            for code, (anywhere, bare, on_receiver) in self._pair_table(found).items():
                if code in codes or code not in wanted:
                    continue
                # Cheapest first: the call's name (set lookups), the attribute named in the text
                # (once per attribute), then whether a helper blocks (a chain through the project).
                if code == "AIO300":
                    called, called_on_receiver = calls.statement, calls.receiver_statement
                elif code == "AIO107":
                    called, called_on_receiver = calls.helper, calls.receiver_helper
                else:
                    called, called_on_receiver = calls.in_async, calls.receiver_in_async
                for pair in _matching(anywhere, bare, called, on_receiver, called_on_receiver):
                    if pair.via and not any(_occurs(attr, calls.text, named) for attr in pair.via):
                        continue  # reached only through attributes the file never names
                    if pair.follow is not None and not self._function_blocks(*pair.follow):
                        continue
                    # `x.m()`: x built from the last hop's name (`.config_entries`), or from the
                    # imported class itself for its own methods.
                    seeds = pair.via or (frozenset({local}) if found[0] == "class" else None)
                    if calls.tree is not None and pair.name and pair.name[0] == "." and seeds is not None:
                        deferred.setdefault(code, []).append((seeds, pair.name[1:]))
                        continue
                    codes.add(code)
                    break
        if deferred and not codes:
            receivers = Receivers(calls.tree)
            codes = {code for code, routes in deferred.items() if any(receivers.may_hold(*r) for r in routes)}
        else:  # the file is parsed anyway: its rules look at the receivers themselves
            codes.update(deferred)
        return frozenset(codes)

    def _function_blocks(self, path: str, name: str, cls: Optional[str]) -> bool:
        summary = self.summary(path)
        if summary is None:
            return False
        if cls is None:
            raw = summary["functions"].get(name)
        else:
            klass = summary["classes"].get(cls)
            raw = klass["methods"].get(name.rpartition(".")[2]) if klass is not None else None
        return raw is not None and bool(self.blocks(path, name, raw, cls))

    def _pair_table(self, found) -> Dict[str, Tuple[tuple, Dict[str, tuple], Dict[str, tuple]]]:
        """The `Pair`s of the rules an imported module, function, class or object may matter to,
        by code: (those matching any call, {call name: pairs}, {method name of `x.m()`: pairs}).
        A file is matched against them by its call names: an imported class brings hundreds of
        pairs (its methods, and those of what its attributes hold), a file makes tens of calls."""
        found = self._memoized(("pairs",) + tuple(found), lambda: _by_code(self._compute_entity_pairs(found)))
        return found or {}

    def _compute_entity_pairs(self, found) -> set:
        kind, where, name = found
        pairs: set = set()
        if kind == "module":  # `from app.db import crud`: what any of its functions or classes may need
            # Each reached as `crud.name`: the file must name it (a function's own call does).
            module = self.summary(where)
            if module is not None:
                for function in module["functions"]:
                    pairs |= self._function_pairs(FunctionView(self, where, function, module["functions"][function]))
                for cls in module["classes"]:
                    reached = self._class_pairs(where, cls) | self._constructor_pairs(where, cls)
                    pairs |= {_through(pair, frozenset({cls})) for pair in reached}
                for obj in module["objects"]:
                    reached = self._type_pairs(self.object_type(where, obj))
                    pairs |= {_through(pair, frozenset({obj})) for pair in reached}
        elif kind == "function":
            pairs |= self._function_pairs(FunctionView(self, where, name, self.summary(where)["functions"][name]))
        elif kind == "class":
            pairs |= self._class_pairs(where, name) | self._constructor_pairs(where, name)
        elif kind == "object":
            pairs |= self._type_pairs(self.object_type(where, name))
        return _merged(pairs)

    def _constructor_pairs(self, path: str, cls: str) -> set:
        """`Database()` runs the class's own sync `__init__`: AIO107 follows it if that blocks."""
        summary = self.summary(path)
        init = summary["classes"][cls]["methods"].get("__init__") if summary is not None else None
        if init is None or not init["plain"]:
            return set()
        return {Pair("AIO107", cls, (path, f"{cls}.__init__", cls))}

    def _function_pairs(self, view: FunctionView) -> set:
        called = view.name.rpartition(".")[2]  # `f()`, `mod.f()`, `x.m()`: the model resolves callees by name
        # What it gives may be a library object with coroutine methods (`def session() ->
        # AsyncSession`): AIO300's needs only see the spellings of such types in the file's text.
        given = view.awaited_returns if view.is_coroutine else view.returns
        # What it gives is reached only through a call that names it (`x.get_session().execute()`,
        # `crud.get_db()`), as an attribute's object is through `.attr` (dunders are called unnamed).
        through = frozenset({called}) if not called.startswith("__") else frozenset()
        pairs = {
            _through(pair, through)
            for pair in self._type_pairs(given)
            if pair.code in _THROUGH_RETURNS or pair.name is None
        }
        if view.is_coroutine:
            return pairs | {Pair("AIO300", called if view.cls is None else "." + called)}
        if view.plain:
            # A method is reached only by a call on a receiver (`x.m()`): a bare `set()` is not `states.set()`.
            reported = called if view.cls is None else "." + called
            return pairs | {Pair("AIO107", reported, (view.path, view.name, view.cls))}
        if view.raw.get("yields"):  # a FastAPI dependency or a @contextmanager: what it hands out
            return pairs | {_through(pair, through) for pair in self._type_pairs(view.provides)}
        return pairs

    def _type_pairs(self, ref: Optional[TypeRef], depth: int = 0) -> set:
        if ref is None:
            return set()
        name, module = ref
        if module is None:
            pairs = {
                Pair(code, "." + method if method else None)
                for code, methods in _REPORTED_ON.get(name, ())
                for method in (methods if methods is not None else (None,))
            }
            if name in library.BLOCKING:
                code = library.BLOCKING[name][0]
                names = _blocking_names(name)
                return pairs | ({Pair(code, None)} if names is None else {Pair(code, "." + m) for m in names})
            if name in library.COROUTINE_METHODS:
                return pairs | {Pair("AIO300", "." + method) for method in _coroutine_names(name)}
            return pairs
        return self._class_pairs(module, name, depth)

    def _class_pairs(self, path: str, cls: str, depth: int = 0) -> set:
        # Keyed by depth too: two attributes deep a class's own attributes are not followed, and an
        # importer of the class itself needs them.
        key = ("pairs-class", path, cls, depth)
        return self._memoized(key, lambda: self._compute_class_pairs(path, cls, depth)) or set()

    def _compute_class_pairs(self, path: str, cls: str, depth: int) -> set:
        pairs: set = set()
        summary = self.summary(path)
        raw = summary["classes"].get(cls) if summary else None
        if raw is not None:
            for name, method in raw["methods"].items():
                pairs |= self._function_pairs(FunctionView(self, path, f"{cls}.{name}", method, cls))
            if depth < 2:
                for attr in raw["attributes"]:
                    # An object this class keeps in `attr` is reached from the class's objects only
                    # through `.attr`: the file must name it (other routes to it have their own pairs).
                    # Only the last hop counts (`a.b.m()` needs `b`).
                    via = frozenset({attr})
                    reached = self._type_pairs(self.attribute(path, cls, attr), depth + 1)
                    pairs |= {_through(pair, via) for pair in reached}
        return _merged(pairs)

    # ------------------------------------------------------------------ evaluating descriptors
    def _agree(self, entries, context, depth: int = 0, assume: Optional[tuple] = None) -> Optional[TypeRef]:
        """The one type every entry gives (`None` assignments aside), else None. With `assume`, the
        type agreed so far is kept there for the entries that read the local back."""
        if not entries or depth > 10:
            return None
        result = None
        for entry in entries:
            entry_context = context
            if entry is not None and entry[0] == "in":
                path, _, cls = context
                summary = self.summary(path)
                method = summary["classes"][cls]["methods"].get(entry[1]) if summary and cls else None
                entry_context = (path, method, cls)
                entry = entry[2]
            if entry is None:
                return None
            if entry[0] == "none":
                continue
            if entry[0] == "ann":
                found = self._type(entry[1], entry_context, depth + 1) if entry[1] is not None else None
                if found is None:
                    if entry[2] is None or entry[2][0] == "none":
                        continue
                    found = self._type(entry[2], entry_context, depth + 1)
            else:
                found = self._type(entry, entry_context, depth + 1)
            if found is None or (result is not None and found != result):
                return None
            result = found
            if assume is not None:
                self._assumed[assume] = found
        return result

    def _type(self, desc, context, depth: int = 0) -> Optional[TypeRef]:
        if desc is None or depth > 10:
            return None
        kind = desc[0]
        path, raw, cls = context
        if kind == "t":  # an annotation: the instance type of a class expression
            target = self._callee(desc[1], (path, None, None), depth + 1)
            return self._instance(target)
        if kind == "n":
            name = desc[1]
            if raw is not None:
                if name in raw["params"]:
                    annotation = raw["params"][name]
                    return self._type(annotation, (path, None, None), depth + 1) if annotation else None
                if name in raw["locals"]:
                    return self._local_type(raw, name, context, depth)
            target = self._module_name(path, name)
            if target is not None and target[0] == "object":
                return self.object_type(target[1], target[2]) if depth < 8 else None
            return None
        if kind == "a":
            inner, attr = desc[1], desc[2]
            if raw is not None and cls is not None and inner == ["n", raw.get("receiver")]:
                return self.attribute(path, cls, attr)
            base = self._type(inner, context, depth + 1)
            if base is not None:
                return self._member(base, attr)
            target = self._callee(desc, context, depth + 1)
            if target is not None and target[0] == "object":
                return self.object_type(target[1], target[2])
            return None
        if kind == "c":
            target = self._callee(desc[1], context, depth + 1)
            if target is None:
                return None
            if target[0] == "lib":
                canonical = library.CLASSES.get(target[1]) or library.FACTORIES.get(target[1])
                return (canonical, None) if canonical else None
            if target[0] == "class":
                return (target[2], target[1])
            if target[0] in ("function", "method"):
                view = self._function_view(target)
                return view.returns if view is not None else None
            if target[0] == "libmethod":
                found = library.METHODS.get((target[1], target[2]))
                return (found, None) if found else None
            if target[0] == "callable":
                found = library.METHODS.get((target[1], "__call__"))
                return (found, None) if found else None
            if target[0] == "object":  # `SessionLocal()`: calling a module-level sessionmaker
                called = self.object_type(target[1], target[2])
                found = library.METHODS.get((called[0], "__call__")) if called and called[1] is None else None
                return (found, None) if found else None
            return None
        if kind == "s":
            base = self._type(desc[1], context, depth + 1)
            if base is not None and base[1] is None:
                item = library.SUBSCRIPTS.get(base[0])
                return (item, None) if item else None
        return None

    def _local_type(self, raw, name: str, context, depth: int) -> Optional[TypeRef]:
        """A local's type, as the model types a name: `q = q.filter(...)` asks `q` while `q` is being
        typed, and gets what the values before agreed on (nothing yet: unknown)."""
        key = (id(raw), name)
        assumed = self._assumed
        if key in assumed:
            return assumed[key]
        assumed[key] = None
        try:
            return self._agree(raw["locals"][name], context, depth + 1, assume=key)
        finally:
            del assumed[key]

    def _member(self, base: TypeRef, attr: str) -> Optional[TypeRef]:
        name, module = base
        if module is not None:
            return self.attribute(module, name, attr)
        found = library.ATTRIBUTES.get((name, attr))
        if found is None and attr not in library.NOT_SUBOBJECTS.get(name, ()) and not attr.startswith("_"):
            found = library.ATTRIBUTES.get((name, "*"))
        return (found, None) if found else None

    def _instance(self, target) -> Optional[TypeRef]:
        if target is None:
            return None
        if target[0] == "lib":
            canonical = library.CLASSES.get(target[1])
            return (canonical, None) if canonical else None
        if target[0] == "class":
            return (target[2], target[1])
        return None

    def _module_name(self, path: str, name: str):
        """A module-level name of `path`: its own def/class/object, or what it imports."""
        summary = self.summary(path)
        if summary is None or name in summary["unknown"]:
            return None
        defined = _defined_in(summary, path, name)
        if defined is not None:
            return defined
        imported = summary["imports"].get(name)
        if imported is not None:
            found = self.resolve(imported, path)
            if found is not None and found[0] == "method":
                cls, _, method = found[2].partition(".")
                return ("method", found[1], cls, method)
            return found if found is not None else ("lib", imported)
        return ("lib", "builtins." + name)

    def _callee(self, desc, context, depth: int = 0):
        """What a callee descriptor names: ("lib", qualified), ("function", path, name),
        ("class", path, name), ("method", path, class, name), ("object", path, name),
        ("libmethod", type, method), ("callable", type) — or None."""
        if desc is None or depth > 10:
            return None
        path, raw, cls = context
        if desc[0] == "n":
            name = desc[1]
            if raw is not None and (name in raw["params"] or name in raw["locals"]):
                found = self._type(desc, context, depth + 1)
                return ("callable", found[0]) if found is not None and found[1] is None else None
            return self._module_name(path, name)
        if desc[0] == "a":
            inner, attr = desc[1], desc[2]
            if raw is not None and cls is not None and inner == ["n", raw.get("receiver")]:
                summary = self.summary(path)
                klass = summary["classes"].get(cls) if summary else None
                if klass is not None and attr not in klass["methods"] and attr in klass["attributes"]:
                    found = self.attribute(path, cls, attr)  # `self._session()`: a callable object
                    return ("callable", found[0]) if found is not None and found[1] is None else None
                return ("method", path, cls, attr)
            base = self._type(inner, context, depth + 1)
            if base is not None:
                if base[1] is not None:
                    return ("method", base[1], base[0], attr)
                return ("libmethod", base[0], attr)
            outer = self._callee(inner, context, depth + 1)
            if outer is not None and outer[0] == "module":
                return self.symbol(outer[1], attr)
            if outer is not None and outer[0] == "class":
                return ("method", outer[1], outer[2], attr)
            if outer is not None and outer[0] == "lib":
                qualified = f"{outer[1]}.{attr}"
                found = self.resolve(qualified, path) if not qualified.startswith("builtins.") else None
                return found if found is not None else ("lib", qualified)
            return None
        if desc[0] == "c":
            found = self._type(desc, context, depth + 1)
            return ("callable", found[0]) if found is not None and found[1] is None else None
        return None


@functools.lru_cache(maxsize=1)
def _summariser_version() -> bytes:
    """This module's own source: a summary made by other code is never served from disk."""
    try:
        with open(__file__, "rb") as handle:
            return hashlib.sha256(handle.read()).digest()
    except OSError:
        return b"unknown"


_MEMORY: Dict[str, tuple] = {}
_INDEXES: Dict[str, ProjectIndex] = {}
_LOCK = threading.Lock()


_CACHE_DIR: List[Optional[str]] = [None]


def use_cache_dir(directory: Optional[str]) -> None:
    """Keep summaries on disk in `directory` (the findings cache's), for this process's indexes."""
    _CACHE_DIR[0] = os.path.realpath(directory) if directory else None
    for index in _INDEXES.values():
        index.cache_dir = _CACHE_DIR[0]


# For benchmarks only (benchmarks/bench.py measures what the index adds to a check): with
# AIOLINT_NO_PROJECT_INDEX=1 in the environment no file has a project, as for text on stdin.
_DISABLED = os.environ.get("AIOLINT_NO_PROJECT_INDEX", "") not in ("", "0")


def index_for(path: str, cache_dir: Optional[str] = None) -> Optional[ProjectIndex]:
    """The project index of the file at `path` (one per project root and process), or None."""
    if _CURRENT and _CURRENT[-1][0] == path and cache_dir is None:
        return _CURRENT[-1][1]  # the file being linted: found once, not by each step that asks
    if _DISABLED or not path or path.startswith("<") or not os.path.isfile(path):
        return None
    root = project_root(path)
    if root is None:
        return None
    with _LOCK:
        index = _INDEXES.get(root)
        if index is None:
            cache_dir = cache_dir or _CACHE_DIR[0]
            if cache_dir is None:
                candidate = os.path.join(root, ".aiolint_cache")
                cache_dir = candidate if os.path.isdir(candidate) and not os.path.islink(candidate) else None
            index = _INDEXES[root] = ProjectIndex(root, cache_dir)
    return index


class ProjectView:
    """The project as seen from one linted file: what types.py asks."""

    def __init__(self, index: ProjectIndex, path: str):
        self.index = index
        self.path = index.realpath(path)

    def lookup(self, qualified: str):
        found = self.index.lookup(qualified, self.path)
        if found is None or found[1] == self.path:
            return None  # this module's own names are the model's to answer
        kind, path, view = found
        return kind, path, view

    def attribute(self, module: str, cls: str, attr: str) -> Optional[TypeRef]:
        return self.index.attribute(module, cls, attr)

    def method(self, module: str, cls: str, name: str) -> Optional[FunctionView]:
        return self.index.method(module, cls, name)

    def shown(self, path: str) -> str:
        return self.index.shown(path)


# ====================================================================== for the engine
def view_for(path: str) -> Optional[ProjectView]:
    """The project as seen from the file at `path`; None for text without a file in a project."""
    try:
        index = index_for(path)
    except (OSError, ValueError):
        return None
    return ProjectView(index, path) if index is not None else None


# Library types that rules report on through whatever the file imports (`type_of`): a path, a
# file, a socket or a thread lock handed over by another project module (`from .shared import
# LOCK`) needs no `pathlib`/`threading` import in the file, so the index screens the rule in —
# only where the file calls a method the rule reports on such an object (None: a thread lock is
# reported at `with lock:`, not at a call).
_REPORTED_ON: Dict[str, Tuple[Tuple[str, Optional[frozenset]], ...]] = {
    library.PATH: (
        ("AIO103", blocking.PATH_READ_WRITE | {"open"}),
        ("AIO108", frozenset(blocking.PATH_METHODS) | {blocking.PATH_RESOLVE}),
    ),
    library.FILE: (("AIO103", blocking.FILE_METHODS),),
    library.SOCKET: (("AIO109", frozenset(blocking.SOCKET_METHODS)),),
    **{lock: (("AIO502", None),) for lock in primitives.THREAD_LOCKS},
}

# What a function's return may make relevant besides the rules reported on any use of it: the
# coroutine methods of what it gives, and the methods rules report on a path, file or socket.
_THROUGH_RETURNS = frozenset({"AIO300"} | {code for entries in _REPORTED_ON.values() for code, _ in entries})

# Every rule the project index can make relevant (see `ProjectIndex.relevant_codes`).
PROJECT_CODES = frozenset(
    {"AIO300", "AIO107"}
    | {entry[0] for entry in library.BLOCKING.values()}
    | {code for entries in _REPORTED_ON.values() for code, _ in entries}
)


class Pair(NamedTuple):
    """A rule an imported name may matter to, and where: the last name of the call it would
    report (None: not only at a call of one name; ".m": only a call on a receiver, `x.m()`)."""

    code: str
    name: Optional[str]
    # A sync function AIO107 may follow, (path, name, class): whether it blocks is asked only if called.
    follow: Optional[Tuple[str, str, Optional[str]]] = None
    # Reached through an attribute a project class keeps (`hass.config_entries`), or as what a
    # function, method or module member gives: the names of each route's last hop, one of which must
    # occur in the file's text (empty: a route through none), and build a call's receiver (`receivers.py`).
    via: frozenset = frozenset()


def _through(pair: Pair, via: frozenset) -> Pair:
    """`pair`, reached through one of the names in `via`, unless a later hop already names its route."""
    return pair if pair.via or not via else pair._replace(via=via)


def _occurs(word: str, text: str, seen: Dict[str, bool]) -> bool:
    found = seen.get(word)
    if found is None:
        found = seen[word] = word in text
    return found


def _merged(pairs: set) -> set:
    """One pair per (code, name, follow): the attributes that reach it through different routes
    become alternatives (any one named will do), and a route through none makes it unconditional."""
    found: Dict[tuple, Pair] = {}
    for pair in pairs:
        key = pair[:3]
        known = found.get(key)
        if known is None:
            found[key] = pair
        elif known.via and (not pair.via or not pair.via <= known.via):
            found[key] = known._replace(via=known.via | pair.via if pair.via else frozenset())
    return set(found.values())


def _by_code(pairs: set) -> Dict[str, Tuple[tuple, Dict[str, tuple], Dict[str, tuple]]]:
    table: Dict[str, Tuple[list, Dict[str, list], Dict[str, list]]] = {}
    for pair in sorted(pairs, key=lambda p: (p.code, p.name or "", p.follow or (), sorted(p.via))):
        anywhere, bare, on_receiver = table.setdefault(pair.code, ([], {}, {}))
        if pair.name is None:
            anywhere.append(pair)
        elif pair.name[0] == ".":
            on_receiver.setdefault(pair.name[1:], []).append(pair)
        else:
            bare.setdefault(pair.name, []).append(pair)
    return {
        code: (tuple(anywhere), {k: tuple(v) for k, v in bare.items()}, {k: tuple(v) for k, v in on_receiver.items()})
        for code, (anywhere, bare, on_receiver) in table.items()
    }


def _matching(anywhere: tuple, bare: Dict[str, tuple], called: frozenset, on_receiver: Dict[str, tuple],
              called_on_receiver: frozenset):
    """The pairs a file's calls match: those of any call, then by name (going through the smaller side)."""
    yield from anywhere
    for names, calls in ((bare, called), (on_receiver, called_on_receiver)):
        if len(names) <= len(calls):
            for name, pairs in names.items():
                if name in calls:
                    yield from pairs
        else:
            for name in calls:
                pairs = names.get(name)
                if pairs:
                    yield from pairs


@dataclass(frozen=True)
class CallNames:
    """The last names of a linted file's calls, by where each rule reports (for `relevant_codes`)."""

    statement: frozenset  # calls made as statements or truth values: where AIO300 reports
    receiver_statement: frozenset  # those made on a receiver (`x.m()`), and the truth-value calls
    in_async: frozenset  # calls in async code: the blocking rules
    receiver_in_async: frozenset  # those made on a receiver: a method of a blocking object
    helper: frozenset  # AIO107: calls in async code, and in sync code if async code calls a local sync def
    receiver_helper: frozenset  # those made on a receiver: a method of a project class
    text: str = ""  # the file's source (`Pair.via`)
    # Its `ast`, when no rule is screened in yet (which receivers may hold an imported class: `receivers.py`).
    tree: Optional[ast.AST] = None


def relevant_codes(path: str, imports, calls: CallNames, wanted) -> frozenset:
    """Rule codes of `wanted` that names this file imports from the rest of the project may need
    (`ProjectIndex.relevant_codes`). No imports referred to: the index is not even looked up."""
    if not imports or not wanted:
        return frozenset()
    try:
        index = index_for(path)
        if index is None:
            return frozenset()
        return index.relevant_codes(index.realpath(path), imports, calls, wanted)
    except (OSError, ValueError, RecursionError):
        return frozenset()


def _derived_types(name: str) -> frozenset:
    """`name` and every library type its methods, attributes, items and `with` give, transitively."""
    seen = {name}
    stack = [name]
    while stack:
        current = stack.pop()
        found = [result for (owner, _), result in library.METHODS.items() if owner == current]
        found += [result for (owner, _), result in library.ATTRIBUTES.items() if owner == current]
        found += [table[current] for table in (library.SUBSCRIPTS, library.ENTERED) if current in table]
        for result in found:
            if result not in seen:
                seen.add(result)
                stack.append(result)
    return frozenset(seen)


@functools.lru_cache(maxsize=None)
def _blocking_names(name: str) -> Optional[frozenset]:
    """The method names through which an object of blocking type `name` (or what it gives) can be
    reported as a call; None when any method, or iterating it, may be."""
    names: set = set()
    for derived in _derived_types(name):
        if derived in library.BLOCKING_ITERATION:
            return None
        methods = library.BLOCKING.get(derived, (None, frozenset(), None))[1]
        if "*" in methods:
            return None
        names |= methods
    return frozenset(names)


@functools.lru_cache(maxsize=None)
def _coroutine_names(name: str) -> frozenset:
    """The coroutine method names of type `name` and of what it gives (`session.get(...).text()`)."""
    return frozenset(m for derived in _derived_types(name) for m in library.COROUTINE_METHODS.get(derived, ()))


def start_recording(path: str) -> None:
    """Note, from now on, every project file read while answering about the file at `path`."""
    index = index_for(path)
    if index is not None:
        index.start_recording()
    _CURRENT.append((path, index))


def stop_recording(path: str) -> List[Tuple[str, int, int]]:
    """The files read since `start_recording(path)`, other than `path`, as (path, size, mtime_ns);
    also kept for `last_dependencies()`."""
    index = _CURRENT.pop()[1] if _CURRENT else None
    found: List[Tuple[str, int, int]] = []
    if index is not None:
        read = index.stop_recording()
        own = index.realpath(path)
        found = sorted(index.stamp(p) for p in read if p != own)
    _LAST[0] = found
    return found


def last_dependencies() -> List[Tuple[str, int, int]]:
    """What the last `lint` in this process read from other project files (for its cache entry)."""
    return _LAST[0]


_LAST: List[List[Tuple[str, int, int]]] = [[]]


def file_stamp(path: str) -> Optional[Tuple[str, int, int]]:
    try:
        info = os.stat(path)
    except OSError:
        return (path, -1, -1)
    return (path, info.st_size, info.st_mtime_ns)


# (path, its index) of each file being linted, innermost last.
_CURRENT: List[Tuple[str, Optional[ProjectIndex]]] = []


def _defined_in(summary: dict, path: str, name: str):
    """("function"|"class"|"object", path, name) when `name` is defined at the top of that module."""
    for kind, table in (("function", "functions"), ("class", "classes"), ("object", "objects")):
        if name in summary[table]:
            return (kind, path, name)
    return None

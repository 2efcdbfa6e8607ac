"""List every candidate the concurrency set judges, so a file can be judged exhaustively.

For each Python file given, prints (with the source lines) every place where AIO400/AIO401/AIO402
could apply, whether or not it should:

- ``sequence``: two or more consecutive simple statements of one block in an async function that
  each contain an ``await`` (also inside expressions: ``print(await f())``, ``{"a": await f()}``);
- ``deferred?``: two or more names bound to a non-awaited call in one block and later awaited by
  name (coroutines created up front, but also tasks and futures: those are judged as traps);
- ``loop``: a ``for``/``async for`` whose body awaits (``loop(async)``; an ``async for`` whose body
  does not await is listed as ``-noawaitbody`` and is not a candidate);
- ``comprehension``: a list/set/dict comprehension or generator expression whose element awaits.

This is a reading aid for building ``concurrency.jsonl`` by hand; it does not decide anything and
shares no code with aiolint.  Usage: ``python concurrency_candidates.py FILE...``.
"""

from __future__ import annotations

import ast
import sys

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_SIMPLE = (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _awaits(node: ast.AST) -> bool:
    """True if ``node`` awaits, not looking into nested functions or classes."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Await) or (
            isinstance(current, ast.comprehension) and current.is_async
        ):
            return True
        stack.extend(c for c in ast.iter_child_nodes(current) if not isinstance(c, _SCOPES))
    return False


def _in_async(scopes: list[ast.AST]) -> bool:
    for scope in reversed(scopes):
        if isinstance(scope, ast.AsyncFunctionDef):
            return True
        if isinstance(scope, (ast.FunctionDef, ast.Lambda)):
            return False
    return False


def _block(stmts: list[ast.stmt], found: list[tuple[str, int, int]]) -> None:
    run: list[ast.stmt] = []

    def flush() -> None:
        if len(run) >= 2:
            found.append(("sequence", run[0].lineno, run[-1].end_lineno or run[-1].lineno))
        run.clear()

    for stmt in stmts:
        if isinstance(stmt, _SIMPLE) and getattr(stmt, "value", None) is not None and _awaits(stmt):
            run.append(stmt)
        else:
            flush()
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            body_awaits = any(_awaits(s) for s in stmt.body)
            if body_awaits or isinstance(stmt, ast.AsyncFor):
                kind = "loop" + ("(async)" if isinstance(stmt, ast.AsyncFor) else "")
                kind += "" if body_awaits else "-noawaitbody"
                found.append((kind, stmt.lineno, stmt.end_lineno or stmt.lineno))
    flush()

    bound = {
        s.targets[0].id: s
        for s in stmts
        if isinstance(s, ast.Assign)
        and len(s.targets) == 1
        and isinstance(s.targets[0], ast.Name)
        and isinstance(s.value, ast.Call)
        and not _awaits(s.value)
    }
    if len(bound) >= 2:
        awaited = {
            n.value.id
            for s in stmts
            for n in ast.walk(s)
            if isinstance(n, ast.Await) and isinstance(n.value, ast.Name) and n.value.id in bound
        }
        if len(awaited) >= 2:
            first = min(bound[name].lineno for name in awaited)
            found.append(("deferred?", first, stmts[-1].end_lineno or stmts[-1].lineno))


def candidates(tree: ast.AST) -> list[tuple[str, int, int]]:
    found: list[tuple[str, int, int]] = []

    def visit(node: ast.AST, scopes: list[ast.AST]) -> None:
        if _in_async(scopes):
            for _, value in ast.iter_fields(node):
                if isinstance(value, list) and value and all(isinstance(s, ast.stmt) for s in value):
                    _block(value, found)
            if isinstance(node, _COMPREHENSIONS):
                parts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
                parts += [cond for gen in node.generators for cond in gen.ifs]
                if any(_awaits(p) for p in parts):
                    found.append(("comprehension", node.lineno, node.end_lineno or node.lineno))
        for child in ast.iter_child_nodes(node):
            opens_scope = isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            visit(child, scopes + [child] if opens_scope else scopes)

    visit(tree, [])
    return sorted(set(found), key=lambda item: (item[1], item[0]))


def main(paths: list[str]) -> int:
    for path in paths:
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
            tree = ast.parse(text)
        except (OSError, SyntaxError, ValueError) as error:
            print(f"## {path}: cannot read: {error}", file=sys.stderr)
            continue
        found = candidates(tree)
        if not found:
            continue
        lines = text.splitlines()
        print(f"######## {path}  ({len(found)} candidates)")
        for kind, start, end in found:
            print(f"--- {kind} {start}-{end}")
            for number in range(start, min(end, start + 12) + 1):
                print(f"{number:5d}| {lines[number - 1]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

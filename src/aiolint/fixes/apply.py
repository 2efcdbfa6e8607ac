"""Applying fixes: one LibCST transformation per pass, plus the imports the fixes need."""
from __future__ import annotations

import re
import sys
from typing import Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst

from aiolint.core.findings import Finding, Replacement
from aiolint.core.walk import child_fields, iter_nodes
from aiolint.semantics.scopes import dotted_name


class Replace(cst.CSTTransformer):
    """LibCST's full transformer doing the replacements (`replace_nodes` must build the same)."""

    def __init__(self, replacements: Dict[int, Replacement]):
        super().__init__()
        self.replacements = replacements

    def on_leave(self, original_node, updated_node):
        replacement = self.replacements.get(id(original_node))
        return updated_node if replacement is None else replacement


def replace_nodes(module: cst.Module, replacements: Dict[int, Replacement]) -> Optional[cst.Module]:
    """The module with the nodes whose ids are keys replaced, rebuilding only their ancestors.

    LibCST's transformer rebuilds every node of the module (most of a fix's cost on a big file,
    and recursive); a fix touches a few paths. Returns None when a replacement is somewhere this
    does not handle (not found through the syntax fields, or a removal outside a sequence): the
    caller then uses the transformer, whose result this matches.
    """
    parents: Dict[int, Tuple[cst.CSTNode, str]] = {}
    missing = set(replacements)
    stack: List[cst.CSTNode] = [module]
    while stack and missing:
        node = stack.pop()
        for name in child_fields(type(node)):
            value = getattr(node, name, None)
            children = value if isinstance(value, (list, tuple)) else (value,)
            for child in children:
                if isinstance(child, cst.CSTNode):
                    parents[id(child)] = (node, name)
                    if id(child) in missing:
                        missing.discard(id(child))  # its inside is replaced whole: no need to look
                    else:
                        stack.append(child)
    if missing:
        return None

    depth: Dict[int, int] = {id(module): 0}
    nodes: Dict[int, cst.CSTNode] = {id(module): module}
    changed: Dict[int, Set[str]] = {}

    def depth_of(node: cst.CSTNode) -> int:
        chain = []
        while id(node) not in depth:
            chain.append(node)
            node = parents[id(node)][0]
        for item in reversed(chain):
            depth[id(item)] = depth[id(parents[id(item)][0])] + 1
        return depth[id(chain[0])] if chain else depth[id(node)]

    for key in replacements:
        parent, name = parents[key]
        nodes[id(parent)] = parent
        changed.setdefault(id(parent), set()).add(name)
        depth_of(parent)
    new_of: Dict[int, Replacement] = dict(replacements)
    queue = sorted(changed, key=lambda key: -depth[key])
    while queue:
        key = queue.pop(0)
        node = nodes[key]
        updates = {}
        for name in changed[key]:
            value = getattr(node, name)
            if isinstance(value, cst.CSTNode):
                new = new_of.get(id(value), value)
                if not isinstance(new, cst.CSTNode):
                    return None  # removing or flattening a single field: the transformer knows how
                updates[name] = new
                continue
            items: List[cst.CSTNode] = []
            for item in value:
                new = new_of.get(id(item), item) if isinstance(item, cst.CSTNode) else item
                if isinstance(new, cst.RemovalSentinel):
                    continue
                if isinstance(new, cst.FlattenSentinel):
                    items.extend(new.nodes)
                else:
                    items.append(new)
            updates[name] = tuple(items) if isinstance(value, tuple) else items
        new_of[key] = node.with_changes(**updates)
        if node is module:
            break
        parent, name = parents[key]
        if id(parent) not in changed:
            nodes[id(parent)] = parent
            changed[id(parent)] = set()
            queue.append(id(parent))
            queue.sort(key=lambda k: -depth[k])
        changed[id(parent)].add(name)
    result = new_of.get(id(module))
    return result if isinstance(result, cst.Module) else None


def non_overlapping(findings: Sequence[Finding]) -> List[Finding]:
    """Keep fixes in order, dropping any whose targets overlap a kept fix's targets."""
    chosen: List[Finding] = []
    claimed: Set[int] = set()  # ids of every node inside an accepted fix's targets
    for finding in findings:
        targets = [original for original, _ in finding.fix.replacements]
        covered: Set[int] = set()
        for target in targets:
            covered.update(id(node) for node in iter_nodes(target))
        # A target inside an accepted one, or holding one, shares node ids with it.
        if covered & claimed:
            continue
        chosen.append(finding)
        claimed |= covered
    return chosen


def _has_plain_import(module: cst.Module, name: str) -> bool:
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Import) and any(
                    a.asname is None and isinstance(a.name, cst.Name) and a.name.value == name for a in small.names
                ):
                    return True
    return False


_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ())) or frozenset(
    {"asyncio", "functools", "time", "os", "sys", "subprocess", "threading", "concurrent", "typing", "contextlib"}
)


def _is_docstring(stmt: cst.CSTNode) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _import_kind(stmt: cst.CSTNode) -> Optional[Tuple[str, str, str]]:
    """(section, style, module) of an import line: section "future"/"stdlib"/"other", style
    "import"/"from"; None for anything else."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return None
    small = stmt.body[0]
    if isinstance(small, cst.Import):
        name = dotted_name(small.names[0].name) or ""
        style = "import"
    elif isinstance(small, cst.ImportFrom):
        if small.relative:
            return ("local", "from", "." * len(small.relative) + (dotted_name(small.module) or ""))
        name = dotted_name(small.module) if small.module is not None else ""
        name = name or ""
        style = "from"
    else:
        return None
    top = name.split(".")[0]
    if top == "__future__":
        return ("future", style, name)
    return ("stdlib" if top in _STDLIB else "other", style, name)


def _insert_import(body: List[cst.BaseStatement], name: str) -> List[cst.BaseStatement]:
    """`import name` (a stdlib module) where isort and ruff would put it: in the stdlib section
    after `__future__` and the docstring, among the straight imports in alphabetical order."""
    new = cst.SimpleStatementLine([cst.Import([cst.ImportAlias(cst.parse_expression(name))])])
    start = 1 if body and _is_docstring(body[0]) else 0
    block: List[Tuple[int, Tuple[str, str, str]]] = []
    for index in range(start, len(body)):
        kind = _import_kind(body[index])
        if kind is None:
            break
        block.append((index, kind))
    key = name.lower()
    stdlib = [(i, k) for i, k in block if k[0] == "stdlib"]
    # 1. before the first straight stdlib import that sorts after it
    for index, (section, style, module) in stdlib:
        if style == "import" and module.lower() > key:
            return _place(body, index, new, takes_leading=True)
    # 2. after the last straight stdlib import
    straight = [i for i, k in stdlib if k[1] == "import"]
    if straight:
        return body[: straight[-1] + 1] + [new] + body[straight[-1] + 1:]
    # 3. before the first stdlib from-import
    if stdlib:
        return _place(body, stdlib[0][0], new, takes_leading=True)
    # 4. a stdlib section of its own: after __future__, before the rest (a blank line between)
    after_future = max((i + 1 for i, k in block if k[0] == "future"), default=start)
    if after_future < len(body):
        following = body[after_future]
        if _import_kind(following) is not None:
            return _place(body, after_future, new, takes_leading=True, blank_after=1)
        # no imports after this point: the new import stands before code, one blank line after
        # the docstring or `__future__` (none at the top of the file), two before a def/class
        blank = 2 if isinstance(following, (cst.FunctionDef, cst.ClassDef)) else 1
        placed = _place(body, after_future, new, takes_leading=True, blank_after=blank)
        above = [cst.EmptyLine()] if after_future > 0 else []
        placed[after_future] = placed[after_future].with_changes(leading_lines=above)
        return placed
    new = new.with_changes(leading_lines=[cst.EmptyLine()] if body else [])
    return body + [new]


def _place(
    body: List[cst.BaseStatement], index: int, new: cst.SimpleStatementLine, *, takes_leading: bool,
    blank_after: int = 0,
) -> List[cst.BaseStatement]:
    """Insert `new` before body[index]; it takes that statement's leading blank lines (and keeps
    the statement's own comments with it), and `blank_after` blank lines then separate them."""
    following = body[index]
    leading = list(getattr(following, "leading_lines", ()))
    blanks = 0
    while blanks < len(leading) and leading[blanks].comment is None:
        blanks += 1
    if takes_leading:
        new = new.with_changes(leading_lines=leading[:blanks])
        rest = leading[blanks:]
        following = following.with_changes(leading_lines=[cst.EmptyLine()] * blank_after + rest)
    return body[:index] + [new, following] + body[index + 1:]


def add_imports(module: cst.Module, names: Sequence[str]) -> cst.Module:
    missing = [n for n in dict.fromkeys(names) if not _has_plain_import(module, n)]
    if not missing:
        return module
    body = list(module.body)
    for name in sorted(missing):
        body = _insert_import(body, name)
        body = _drop_typing_only_import(body, name)
    return module.with_changes(body=body)


def _drop_typing_only_import(body: List[cst.BaseStatement], name: str) -> List[cst.BaseStatement]:
    """`import name` under a top-level `if TYPE_CHECKING:` is redundant once the module imports it
    at run time (pyflakes: F811): drop it, leaving `pass` if the block had nothing else."""
    for index, stmt in enumerate(body):
        if not (
            isinstance(stmt, cst.If)
            and dotted_name(stmt.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
            and isinstance(stmt.body, cst.IndentedBlock)
        ):
            continue
        lines = []
        changed = False
        for line in stmt.body.body:
            small = line.body[0] if isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1 else None
            if isinstance(small, cst.Import):
                aliases = [a for a in small.names if not (a.asname is None and dotted_name(a.name) == name)]
                if len(aliases) != len(small.names):
                    changed = True
                    if not aliases:
                        continue
                    aliases[-1] = aliases[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                    line = line.with_changes(body=[small.with_changes(names=aliases)])
            lines.append(line)
        if changed:
            if not lines:
                lines = [cst.SimpleStatementLine([cst.Pass()])]
            body = body[:index] + [stmt.with_changes(body=stmt.body.with_changes(body=lines))] + body[index + 1:]
    return body


# ---------------------------------------------------------------- imports a fix made unused
def _names_in(node: cst.CSTNode, wanted: Set[str]) -> Dict[str, int]:
    """How often each of `wanted` is read as a name below `node` (not attribute names after a
    dot, keyword names, or the names in import statements)."""
    counts: Dict[str, int] = {}
    stack: List[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            if current.value in wanted:
                counts[current.value] = counts.get(current.value, 0) + 1
            continue
        if isinstance(current, (cst.Import, cst.ImportFrom)):
            continue
        if isinstance(current, cst.Attribute):
            stack.append(current.value)
            continue
        if isinstance(current, cst.Arg):
            stack.append(current.value)
            continue
        if isinstance(current, (cst.SimpleString, cst.FormattedStringText)):
            # a string annotation or `__all__` entry may name it: count it as a use
            text = current.value
            for name in wanted:
                if re.search(rf"\b{re.escape(name)}\b", text):
                    counts[name] = counts.get(name, 0) + 1
            continue
        for field in child_fields(type(current)):
            value = getattr(current, field, None)
            if isinstance(value, (list, tuple)):
                stack.extend(v for v in value if isinstance(v, cst.CSTNode))
            elif isinstance(value, cst.CSTNode):
                stack.append(value)
    return counts


def _top_level_import_names(module: cst.Module) -> Dict[str, int]:
    """Names bound by the module's own top-level `import x` / `from m import x` lines -> body index."""
    names: Dict[str, int] = {}
    for index, stmt in enumerate(module.body):
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    bound = alias.asname.name if alias.asname is not None else alias.name
                    local = dotted_name(bound) or ""
                    names[local.split(".")[0]] = index
            elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                if dotted_name(small.module) == "__future__" if small.module is not None else False:
                    continue
                for alias in small.names:
                    bound = alias.asname.name if alias.asname is not None else alias.name
                    if isinstance(bound, cst.Name):
                        names[bound.value] = index
    return names


def remove_unused_imports(before: cst.Module, after: cst.Module, touched: Sequence[cst.CSTNode]) -> cst.Module:
    """`after` without the top-level imports that `before` used and `after` no longer does,
    among the names the fixed nodes (`touched`) used: an import the fix made unused goes, an
    import that was unused already stays (not ours to judge)."""
    imported = _top_level_import_names(after)
    if not imported:
        return after
    candidates: Set[str] = set()
    for node in touched:
        candidates.update(_names_in(node, set(imported)))
    if not candidates:
        return after
    used_before = _names_in(before, candidates)
    used_after = _names_in(after, candidates)
    unused = {name for name in candidates if used_before.get(name) and not used_after.get(name)}
    if not unused:
        return after
    body = list(after.body)
    for index in sorted({imported[name] for name in unused}, reverse=True):
        stmt = body[index]
        kept_small = []
        for small in stmt.body:
            if isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(
                getattr(small, "names", None), cst.ImportStar
            ):
                aliases = [a for a in small.names if _bound(a) not in unused]
                if not aliases:
                    continue
                if len(aliases) != len(small.names):
                    aliases[-1] = aliases[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                    small = small.with_changes(names=aliases)
            kept_small.append(small)
        if kept_small:
            body[index] = stmt.with_changes(body=kept_small)
        else:
            following = body[index + 1] if index + 1 < len(body) else None
            if following is not None and index == 0:
                # at the top of the file: no blank lines before what now comes first
                kept = list(getattr(following, "leading_lines", ()))
                while kept and kept[0].comment is None:
                    kept.pop(0)
                body[index + 1] = following.with_changes(leading_lines=list(stmt.leading_lines) + kept)
            elif following is not None and stmt.leading_lines and not getattr(following, "leading_lines", None):
                body[index + 1] = following.with_changes(leading_lines=stmt.leading_lines)
            del body[index]
    return after.with_changes(body=body)


def _bound(alias: cst.ImportAlias) -> str:
    bound = alias.asname.name if alias.asname is not None else alias.name
    return (dotted_name(bound) or "").split(".")[0]


def apply_fixes(module: cst.Module, findings: Sequence[Finding]) -> Tuple[cst.Module, List[Finding]]:
    chosen = non_overlapping(findings)
    if not chosen:
        return module, []
    replacements: Dict[int, Replacement] = {}
    imports: List[str] = []
    for finding in chosen:
        for original, new in finding.fix.replacements:
            replacements[id(original)] = new
        imports.extend(finding.fix.imports)
    new_module = replace_nodes(module, replacements)
    if new_module is None:
        new_module = module.visit(Replace(replacements))
    new_module = remove_unused_imports(module, new_module, [original for original, _ in _targets(chosen)])
    if imports:
        new_module = add_imports(new_module, imports)
    return new_module, chosen


def _targets(findings: Sequence[Finding]):
    for finding in findings:
        yield from finding.fix.replacements

"""Applying fixes: one LibCST transformation per pass, plus the imports the fixes need."""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst

from aiolint.core.findings import Finding, Replacement
from aiolint.core.walk import child_fields, iter_nodes


class _Replace(cst.CSTTransformer):
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


def _non_overlapping(findings: Sequence[Finding]) -> List[Finding]:
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


def _import_position(module: cst.Module) -> int:
    """After the docstring, `from __future__` and the leading imports of the module."""
    position = 0
    for index, stmt in enumerate(module.body):
        if isinstance(stmt, cst.SimpleStatementLine):
            first = stmt.body[0] if stmt.body else None
            if index == 0 and isinstance(first, cst.Expr) and isinstance(first.value, cst.BaseString):
                position = 1
                continue
            if all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body):
                position = index + 1
                continue
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            break
    return position


def add_imports(module: cst.Module, names: Sequence[str]) -> cst.Module:
    missing = [n for n in dict.fromkeys(names) if not _has_plain_import(module, n)]
    if not missing:
        return module
    body = list(module.body)
    position = _import_position(module)
    new = [cst.SimpleStatementLine([cst.Import([cst.ImportAlias(cst.parse_expression(n))])]) for n in missing]
    return module.with_changes(body=body[:position] + new + body[position:])


def apply_fixes(module: cst.Module, findings: Sequence[Finding]) -> Tuple[cst.Module, List[Finding]]:
    chosen = _non_overlapping(findings)
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
        new_module = module.visit(_Replace(replacements))
    if imports:
        new_module = add_imports(new_module, imports)
    return new_module, chosen

"""Applying fixes: one LibCST transformation per pass, plus the imports the fixes need."""
from __future__ import annotations

from typing import Dict, List, Sequence, Set, Tuple

import libcst as cst

from aiolint.findings import Finding, Replacement
from aiolint.traversal import iter_nodes


class _Replace(cst.CSTTransformer):
    def __init__(self, replacements: Dict[int, Replacement]):
        super().__init__()
        self.replacements = replacements

    def on_leave(self, original_node, updated_node):
        replacement = self.replacements.get(id(original_node))
        return updated_node if replacement is None else replacement


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
    new_module = module.visit(_Replace(replacements))
    if imports:
        new_module = add_imports(new_module, imports)
    return new_module, chosen

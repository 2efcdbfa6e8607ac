"""Shared semantics: every rule gets names, context and facts from here."""
from aiolint.semantics.known import RunnerResult
from aiolint.semantics.model import Assignment, Bound, Runner, SemanticModel
from aiolint.semantics.scopes import Binding, BindingKind, Scope, ScopeKind, dotted_name

__all__ = [
    "Assignment", "Binding", "BindingKind", "Bound", "Runner", "RunnerResult", "Scope", "ScopeKind", "SemanticModel",
    "dotted_name",
]

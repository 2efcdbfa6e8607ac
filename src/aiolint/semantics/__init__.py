"""Shared semantics: every rule gets names, context and facts from here."""
from aiolint.semantics.model import Assignment, Bound, Runner, SemanticModel
from aiolint.semantics.scopes import Binding, Scope, dotted_name

__all__ = ["Assignment", "Binding", "Bound", "Runner", "Scope", "SemanticModel", "dotted_name"]

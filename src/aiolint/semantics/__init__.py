"""Shared semantics: every rule gets names, context and facts from here."""
from aiolint.semantics.model import Runner, SemanticModel
from aiolint.semantics.scopes import Binding, Scope, dotted_name

__all__ = ["Binding", "Runner", "Scope", "SemanticModel", "dotted_name"]

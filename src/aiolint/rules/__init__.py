"""The rule registry: every module in this package holds one rule class.

Adding a rule means adding a module here; nothing else keeps a list.
"""
from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from typing import Dict, Tuple, Type

from aiolint.core.rule import BlockingCallRule, Rule

_ABSTRACT = (Rule, BlockingCallRule)


@lru_cache(maxsize=None)
def all_rules() -> Tuple[Type[Rule], ...]:
    found: Dict[str, Type[Rule]] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        classes = [
            obj
            for obj in vars(module).values()
            if isinstance(obj, type)
            and issubclass(obj, Rule)
            and obj not in _ABSTRACT
            and obj.__module__ == module.__name__
        ]
        if len(classes) != 1:
            raise RuntimeError(f"{module.__name__} must define exactly one rule class, found {len(classes)}")
        rule = classes[0]
        if rule.code in found:
            raise RuntimeError(f"{rule.code} is defined by both {found[rule.code].__name__} and {rule.__name__}")
        found[rule.code] = rule
    return tuple(found[code] for code in sorted(found))


def get_rule(code: str) -> Type[Rule]:
    code = code.strip().upper()
    for rule in all_rules():
        if rule.code == code or rule.name == code.lower():
            return rule
    raise KeyError(code)

"""Rule documentation rendered from the rule classes (the only place it is written)."""
from __future__ import annotations

from typing import Type

from aiolint.rule import Rule

_NO_FIX = "This rule has no automatic fix."


def render_rule(rule: Type[Rule]) -> str:
    """One rule's page, in Markdown: the same text for `aiolint rule CODE` and docs/."""
    docs = rule.docs
    fix = rule.fix_availability or "none"
    parts = [
        f"## {rule.code} {rule.name}",
        "",
        f"Fix: {fix}",
        "",
        "### What it does",
        docs.what,
        "",
        "### Why is this bad?",
        docs.why,
        "",
        "### Example",
        "```python",
        docs.example.rstrip("\n"),
        "```",
        "",
        "### Use instead",
        "```python",
        docs.use_instead.rstrip("\n"),
        "```",
        "",
        "### Fix safety",
        docs.fix_safety or _NO_FIX,
    ]
    return "\n".join(parts) + "\n"

"""Fixes as data: building them in rules, applying them to a module, showing them as text edits."""

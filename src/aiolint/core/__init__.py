"""The core engine: source in, findings out (parse, walk, rules, locate)."""

"""Benchmarks and corpus checks (run as scripts: `python benchmarks/bench.py`, or `python -m benchmarks.bench`)."""

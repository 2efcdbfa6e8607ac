"""Child of bench.py's scaling section: CPU of in-process `lint()` over the files named on stdin.

Reads a JSON list of paths; prints {"cpu": seconds, "findings": count}. Run with the benchmark's
snapshot of aiolint on PYTHONPATH.
"""
import json
import sys
import time

from aiolint import lint


def main() -> None:
    paths = json.load(sys.stdin)
    datas = [open(p, "rb").read() for p in paths]
    lint(b"async def f():\n    pass\n")  # imports and registry warmed before the clock starts
    started = time.process_time()
    findings = sum(len(lint(d, p)) for p, d in zip(paths, datas))
    print(json.dumps({"cpu": time.process_time() - started, "findings": findings}))


if __name__ == "__main__":
    main()

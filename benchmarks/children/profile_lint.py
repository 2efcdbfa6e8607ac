"""Child of bench.py's profile section: cProfile of `lint()` over the files named on stdin.

Reads a JSON list of paths; prints the 25 functions with the most cumulative time. (Not named
`profile.py`: that would shadow the standard module cProfile imports.)
"""
import cProfile
import io
import json
import pstats
import sys

from aiolint import lint


def main() -> None:
    paths = json.load(sys.stdin)
    datas = [open(p, "rb").read() for p in paths]
    lint(b"async def f():\n    pass\n")
    profile = cProfile.Profile()
    profile.enable()
    for path, data in zip(paths, datas):
        lint(data, path)
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(25)
    print(out.getvalue())


if __name__ == "__main__":
    main()

"""Child of bench.py's profile section: CPU per engine stage over the files named on stdin.

Reads a JSON list of paths; prints {"times": {stage: seconds}, "parsed": files, "lines": lines}.
The stages are those of `aiolint.core.pipeline.analyse`, run one at a time over all files.
"""
import json
import sys
import time

from aiolint.core.dispatch import RuleRun
from aiolint.core.locate import located
from aiolint.core.parse import decode, parse
from aiolint.core.pipeline import lint, triggered_rules
from aiolint.core.settings import DEFAULT_SETTINGS


def main() -> None:
    paths = json.load(sys.stdin)
    datas = [open(p, "rb").read() for p in paths]
    lint(b"async def f():\n    pass\n")
    clock = time.process_time
    times = {}

    started = clock()
    texts = [decode(data) for data in datas]
    times["decode"] = clock() - started

    started = clock()
    rules = [triggered_rules(text, DEFAULT_SETTINGS) for text in texts]
    times["pre-checks"] = clock() - started
    chosen = [(data, text, triggered) for data, text, triggered in zip(datas, texts, rules) if triggered]

    started = clock()
    modules = [parse(data) for data, _, _ in chosen]
    times["LibCST parse"] = clock() - started
    chosen_modules = list(zip(modules, chosen))

    started = clock()
    found = [RuleRun(module, text, rules, DEFAULT_SETTINGS).run() for module, (_, text, rules) in chosen_modules]
    times["walk + rules + semantics"] = clock() - started

    started = clock()
    for module, reports in zip(modules, found):
        if reports:
            located(module, reports)
    times["positions"] = clock() - started

    lines = sum(text.count("\n") for _, text, _ in chosen)
    print(json.dumps({"times": times, "parsed": len(chosen), "lines": lines}))


if __name__ == "__main__":
    main()

"""The whole project (issue 13): names imported from other modules, read with `ast`, never imported."""
from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

from aiolint.core import pipeline as engine
from aiolint.semantics import project, receivers
from aiolint.core.settings import Settings
from conftest import expected_findings

BOT = Path(__file__).resolve().parent.parent / "fixtures" / "projects" / "bot"
ALL = Settings()


def _lint(path: Path, settings=ALL):
    return engine.lint(path.read_bytes(), str(path), settings)


def test_every_module_of_the_fixture_project_reports_exactly_its_marked_lines():
    for path in sorted(BOT.rglob("*.py")):
        text = path.read_text()
        found = {(f.line, f.code) for f in _lint(path) if f.code != "AIO000"}
        assert found == expected_findings(text), path.name
    assert "bot" not in sys.modules and "bot.db" not in sys.modules  # read, never imported


def test_the_screen_hides_nothing_the_project_makes_findable():
    # `bot/cache.py` imports neither threading nor pathlib: its lock and path come from
    # `bot/shared.py`, so only the project index can let AIO502/AIO108 through the screen.
    for path in sorted(BOT.rglob("*.py")):
        source = path.read_bytes()
        every_rule = engine.analyse(source, ALL, rules=engine.enabled_rules(ALL), path=str(path)).findings
        assert [f.plain() for f in _lint(path)] == [f.plain() for f in every_rule], path.name


def test_chains_name_each_hop_with_file_and_line():
    messages = {f.line: f.message for f in _lint(BOT / "bot" / "handlers.py")}
    assert messages[18] == (
        "self.db.add_user() -> Database.add_user() (bot/db.py:11) -> sqlite3.Cursor.execute() (bot/db.py:12) "
        "blocks the event loop in async function 'on_message'; make Database.add_user() async, or use "
        "'await asyncio.to_thread(self.db.add_user, uid)'"
    )
    assert messages[28].startswith(
        "db.get_user() -> Database.get_user() (bot/db.py:15) -> Database._row() (bot/db.py:18) -> "
        "sqlite3.Cursor.execute() (bot/db.py:19) blocks"
    )
    assert messages[29].startswith("fetch_price() (bot/utils.py:7) -> requests.get() (bot/utils.py:8) blocks")


def test_text_without_a_file_knows_only_itself():
    text = (BOT / "bot" / "handlers.py").read_bytes()
    assert {f.code for f in engine.lint(text, "<stdin>", ALL)} <= {"AIO300", "AIO104"}


def _findings(output: str):
    rows = set()
    for line in output.splitlines():
        path, row, _col, rest = line.split(":", 3)
        rows.add((os.path.normpath(path), int(row), rest.strip()))
    return rows


def test_flake8_with_two_jobs_and_aiolint_check_agree(tmp_path):
    tree = tmp_path / "bot"
    shutil.copytree(BOT, tree)
    flake8 = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "AIO", "-j", "2", "bot"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )
    check = subprocess.run(
        [sys.executable, "-m", "aiolint", "check", "--no-cache", "bot"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )
    assert flake8.returncode == 1 and check.returncode == 1, (flake8.stderr, check.stderr)
    assert _findings(flake8.stdout) == _findings(check.stdout)
    assert sum("AIO107" in line for line in check.stdout.splitlines()) == 8


def test_a_cached_result_is_not_served_once_a_module_it_read_changes(tmp_path):
    tree = tmp_path / "bot"
    shutil.copytree(BOT, tree)
    command = [sys.executable, "-m", "aiolint", "check", "--cache-dir", str(tmp_path / "cache"), "bot"]
    first = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert "fetch_price() (bot/utils.py:7)" in first.stdout
    utils = tree / "bot" / "utils.py"
    utils.write_text(utils.read_text().replace("return requests.get(", "return dict(", 1))
    second = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert "fetch_price()" not in second.stdout
    assert "db.add_user()" in second.stdout  # the rest still holds


def test_a_cached_result_expires_once_the_module_it_imports_is_created(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "handlers.py").write_text(
        "from .db import get_user\n\n\nasync def handler(uid):\n    return get_user(uid)\n"
    )
    command = [sys.executable, "-m", "aiolint", "check", "-j", "1", "--cache-dir", str(tmp_path / "cache"), "app"]
    before = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert before.returncode == 0, before.stdout + before.stderr
    (tmp_path / "app" / "db.py").write_text("import time\n\n\ndef get_user(uid):\n    time.sleep(1)\n")
    after = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert [line.split(" ", 2)[:2] for line in after.stdout.splitlines() if "AIO" in line] == [
        ["app/handlers.py:5:12:", "AIO107"]
    ]


def test_the_same_bytes_in_two_packages_are_cached_apart(tmp_path):
    # Each `handlers.py` imports its own sibling: one blocks, the other does not.
    (tmp_path / "pyproject.toml").write_text("")
    handlers = "from .db import get_user\n\n\nasync def handler(uid):\n    return get_user(uid)\n"
    for package, body in (("blocks", "import time\n\n\ndef get_user(uid):\n    time.sleep(1)\n"),
                          ("plain", "def get_user(uid):\n    return {}\n")):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
        (tmp_path / package / "handlers.py").write_text(handlers)
        (tmp_path / package / "db.py").write_text(body)
    command = [sys.executable, "-m", "aiolint", "check", "-j", "1", "--cache-dir", str(tmp_path / "cache"), "."]
    cold, warm = (subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600) for _ in "12")
    expected = (
        "blocks/handlers.py:5:12: AIO107 get_user() (blocks/db.py:4) -> time.sleep() (blocks/db.py:5) blocks the "
        "event loop in async function 'handler'; make get_user() async, or use "
        "'await asyncio.to_thread(get_user, uid)'"
    )
    assert [line.removeprefix("./") for line in cold.stdout.splitlines() if "AIO" in line] == [expected]
    assert warm.stdout == cold.stdout


def test_nothing_outside_the_project_root_is_read(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "helpers.py").write_text("import time\n\ndef nap():\n    time.sleep(1)\n")
    root = tmp_path / "app"
    (root / "pkg").mkdir(parents=True)
    (root / "pyproject.toml").write_text("")
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "local.py").write_text("import time\n\ndef nap():\n    time.sleep(1)\n")
    os.symlink(outside / "helpers.py", root / "pkg" / "helpers.py")
    (root / "pkg" / "broken.py").write_text("def nap(:\n")
    main = root / "pkg" / "main.py"
    main.write_text(
        "from .helpers import nap\nfrom .local import nap as local_nap\nfrom .broken import nap as broken\n"
        "from .. import escape\nimport time\n\n"
        "async def run():\n    nap()\n    local_nap()\n    broken()\n    escape.nap()\n"
    )
    found = [(f.line, f.code) for f in _lint(main)]
    assert found == [(9, "AIO107")]  # only the module inside the root; the symlink out is ignored


def test_summaries_are_plain_data_and_unparsable_modules_are_unknown():
    summary = project.summarise((BOT / "bot" / "db.py").read_bytes())
    assert summary["functions"]["get_setting"]["plain"] is True
    assert summary["classes"]["Database"]["methods"]["count"]["coroutine"] is True
    assert set(summary["classes"]["Database"]["attributes"]) == {"conn", "cur"}
    assert "db" in summary["objects"]
    assert project.summarise(b"def f(:\n") is None


def test_the_index_answers_types_and_chains():
    index = project.ProjectIndex(str(BOT))
    db = str(BOT / "bot" / "db.py")
    assert index.object_type(db, "db") == ("Database", os.path.realpath(db))
    assert index.attribute(os.path.realpath(db), "Database", "cur") == ("sqlite3.Cursor", None)
    store = index.lookup("bot.store.Store", str(BOT / "bot" / "handlers.py"))
    assert store[0] == "class"
    method = index.method(store[1], "Store", "save_state")
    assert method.blocks == [("psycopg2.cursor.execute()", "bot/store.py", 10)]
    keyboard = index.lookup(".utils.keyboard", str(BOT / "bot" / "handlers.py"))
    assert keyboard[2].blocks is None


def test_summaries_are_kept_beside_the_findings_cache(tmp_path):
    tree = tmp_path / "bot"
    shutil.copytree(BOT, tree)
    cache = tmp_path / "cache"
    command = [sys.executable, "-m", "aiolint", "check", "-j", "1", "--cache-dir", str(cache), "bot"]
    first = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    lines = [line for shard in (cache / "summaries").glob("*.jsonl") for line in shard.read_text().splitlines() if line]
    digests = [line.partition(" ")[0] for line in lines]
    assert len(digests) >= 5 and len(set(digests)) == len(digests)  # the imported modules, each once
    (cache / "summaries" / "x.tmp").write_text("")  # nothing else there is read
    second = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert first.stdout == second.stdout and first.returncode == second.returncode == 1


def _app(root: Path, **modules: str) -> Path:
    """A project under `root` (a pyproject.toml) with a package `app` holding `modules` (name -> source)."""
    (root / "pyproject.toml").write_text("")
    package = root / "app"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name, source in modules.items():
        (package / f"{name}.py").write_text(source)
    return package


def _lint_each(app: Path, cases) -> None:
    """Write each case (name -> (source, expected)) into `app` and lint it: the findings are those of
    every rule with no screen, and, unless `expected` is None, exactly `expected`, with the module
    sent to the LibCST parse only if it has some."""
    for name, (source, expected) in cases.items():
        path = app / name
        path.write_text(source)
        analysis = engine.analyse(source, ALL, path=str(path))
        every_rule = engine.analyse(source, ALL, rules=engine.enabled_rules(ALL), path=str(path)).findings
        assert [f.plain() for f in analysis.findings] == [f.plain() for f in every_rule], name
        if expected is not None:
            assert [(f.line, f.code) for f in analysis.findings] == expected, name
            assert (analysis.module is None) == (not expected), name


HUB = '''\
class Entries:
    async def async_remove(self, key):
        return key


class Services:
    def async_remove(self, key):
        return key


class Hub:
    def __init__(self):
        self.entries = Entries()
        self.services = Services()
'''


def test_a_method_reached_through_an_attribute_needs_the_file_to_name_it(tmp_path):
    # `Hub.entries.async_remove` is a coroutine; `hub.services.async_remove` is not. A file that never
    # names `entries` cannot reach it, so the index does not send it to the LibCST parse for AIO300.
    app = _app(tmp_path, core=HUB)
    uses = {
        "other.py": ('hub.services.async_remove("x")', []),
        "direct.py": ('hub.entries.async_remove("x")', [(5, "AIO300")]),
        "aliased.py": ('entries = hub.entries\n    entries.async_remove("x")', [(6, "AIO300")]),
    }
    head = "from app.core import Hub\n\n\nasync def handler(hub: Hub):\n    "
    _lint_each(app, {name: (head + body + "\n", expected) for name, (body, expected) in uses.items()})


def test_a_receiver_must_be_built_from_the_class_or_the_attribute_that_reaches_it(tmp_path):
    # `Entries.async_remove` is a coroutine, reached from an `Entries` or through `.entries`. A call of
    # that name on a receiver built from neither (`registry.async_remove`) cannot be it, even in a file
    # naming both: the index does not send that file to the LibCST parse. Each case is also linted with
    # every rule and no screen, which must find the same.
    app = _app(tmp_path, core=HUB)
    head = "from app.core import Entries, Hub\n\n\n"
    uses = {
        "unrelated.py": ('async def f(hub: Hub, entries: Entries, registry):\n    registry.async_remove("x")\n'
                         "    assert hub.entries and entries\n", []),
        "annotated.py": ('async def f(entries: Entries):\n    entries.async_remove("x")\n', [(5, "AIO300")]),
        "in_a_string.py": ('async def f(entries: "Entries"):\n    entries.async_remove("x")\n', [(5, "AIO300")]),
        "through.py": ('async def f(hub: Hub):\n    found = hub.entries\n    found.async_remove("x")\n',
                       [(6, "AIO300")]),
        "kept.py": ("class Keeper:\n    def __init__(self, hub: Hub):\n        self.kept = hub.entries\n\n"
                    '    async def f(self):\n        self.kept.async_remove("x")\n', [(9, "AIO300")]),
        "subclass.py": ('class Mine(Entries):\n    async def f(self):\n        self.async_remove("x")\n', None),
        # What `wrap` returns is not typed from its arguments: the model cannot make it an `Entries`.
        "argument.py": ('async def f(entries: Entries):\n    wrapped = wrap(entries)\n    wrapped.async_remove("x")\n',
                        []),
        "constructed.py": ('async def f():\n    made = Entries()\n    made.async_remove("x")\n', [(6, "AIO300")]),
    }
    _lint_each(app, {name: (head + body, expected) for name, (body, expected) in uses.items()})


def test_holders_follow_the_bindings_the_type_model_can_follow():
    # Declarations count with every name they mention; a value with what the model types it from:
    # a call by what is called, a subscript or attribute by what it is taken from, an operation by
    # its left operand; a literal, a conditional or a call's arguments give it nothing.
    tree = ast.parse(
        "a: C = make()\n"
        "b = a\n"
        "for c in b.rows:\n"
        "    pass\n"
        "with b.open() as d:\n"
        "    pass\n"
        "if (e := await d[0]):\n"
        "    pass\n"
        "def g(p: 'Optional[C]', q=e):\n"
        "    return p + 1\n"
        "def h() -> 'C':\n"
        "    return None\n"
        "@wraps(C)\n"
        "def w():\n"
        "    pass\n"
        "class K(C):\n"
        "    def m(me):\n"
        "        me.attr = other\n"
        "unrelated = make()\n"
        "built = Box(a)\n"
        "listed = [a]\n"
        "either = a if x else y\n"
        "for n in [a]:\n"
        "    pass\n"
        "with opened(a) as o:\n"
        "    pass\n"
        "def passes(v):\n"
        "    return wrap(v, a)\n"
    )
    held = receivers.holders(tree, frozenset({"C"}))
    assert {"a", "b", "c", "d", "e", "g", "p", "q", "h", "w", "K", "me"} <= held
    assert not {"unrelated", "attr", "other", "make", "built", "listed", "either", "n", "o", "passes"} & held


STORE = """\
from sqlalchemy.orm import Session


class Store:
    def session(self) -> Session:
        return Session()


def make_session() -> Session:
    return Session()
"""


def test_what_a_method_or_a_module_member_gives_needs_the_file_to_name_it(tmp_path):
    # A sync SQLAlchemy session is blocking on any method: reached only through `.session()` or
    # `store.make_session()`, a file naming neither is not sent to the LibCST parse for AIO104.
    app = _app(tmp_path, store=STORE)
    uses = {
        "method.py": ("from app.store import Store", "store: Store", "store.session().execute(1)", [(5, "AIO104")]),
        "no_method.py": ("from app.store import Store", "store: Store", "store.close()", []),
        "member.py": ("from app import store", "", "store.make_session().execute(1)", [(5, "AIO104")]),
        "no_member.py": ("from app import store", "", "len(store.__name__)", []),
    }
    _lint_each(app, {
        name: (f"{imported}\n\n\nasync def handler({parameter}):\n    {body}\n", expected)
        for name, (imported, parameter, body, expected) in uses.items()
    })


def test_every_file_that_resolves_a_re_exported_name_depends_on_the_package_that_re_exports_it(tmp_path):
    # The answer is remembered once and shared (per package); the files read to reach it go with
    # it, so the second module's cached findings also expire when `tools/__init__.py` changes.
    (tmp_path / "pyproject.toml").write_text("")
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "__init__.py").write_text("from tools.impl import fetch\n")
    (tools / "impl.py").write_text("import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n")
    app = tmp_path / "app"
    app.mkdir()
    for name in ("a.py", "b.py"):
        path = app / name
        path.write_text("from tools import fetch\n\n\nasync def handler(url):\n    return fetch(url)\n")
        assert [f.code for f in _lint(path)] == ["AIO107"], name
        read = {os.path.basename(p) for p, _size, _mtime in project.last_dependencies()}
        assert read == {"__init__.py", "impl.py"}, name


def test_a_class_met_deep_in_one_chain_keeps_its_attributes_for_the_next_importer(tmp_path):
    # `Top.outer.mid`: Mid's pairs are first worked out two attributes deep, where its own
    # attributes are not followed; a module that imports Mid itself still needs `inner.m`.
    app = _app(
        tmp_path,
        parts=(
            "class Inner:\n    async def m(self):\n        return 1\n\n\n"
            "class Mid:\n    def __init__(self):\n        self.inner = Inner()\n\n\n"
            "class Outer:\n    def __init__(self):\n        self.mid = Mid()\n\n\n"
            "class Top:\n    def __init__(self):\n        self.outer = Outer()\n"
        ),
        first="from app.parts import Top\n\n\nasync def handler(top: Top):\n    top.outer.mid.m()\n",
        second="from app.parts import Mid\n\n\nasync def handler(mid: Mid):\n    mid.inner.m()\n",
    )
    first, second = app / "first.py", app / "second.py"
    assert [f.code for f in _lint(first)] == []
    assert [(f.line, f.code) for f in _lint(second)] == [(5, "AIO300")]


def test_summary_store_serves_only_whole_lines_of_the_asked_digest_and_format(tmp_path):
    from aiolint.semantics.summary_store import SummaryStore

    directory = str(tmp_path / "summaries")
    store = SummaryStore(directory, 1)
    good, other, torn = "ab" + "1" * 62, "ab" + "2" * 62, "ab" + "3" * 62
    store.put(good, {"format": 1, "functions": {}})
    assert SummaryStore(directory, 1).get(good) == {"format": 1, "functions": {}}
    assert SummaryStore(directory, 2).get(good) is None  # made by another summariser format
    with open(os.path.join(directory, "ab.jsonl"), "a") as shard:
        shard.write(other + ' {"format": 1, "fun\n')  # torn by a crash: bad JSON
        shard.write(torn + ' {"format": 1, "cla')  # cut short: no newline
    fresh = SummaryStore(directory, 1)
    assert fresh.get(other) is None and fresh.get(torn) is None and fresh.get(good) is not None
    store.put(other, {"format": 1, "classes": {}})  # the shard grew: read again
    assert store.get(other) == {"format": 1, "classes": {}}  # on a line of its own after the torn one
    assert store.get(torn) is None
    store.put(torn, {"format": 1, "objects": {}})  # made again: the later line is the one served
    assert SummaryStore(directory, 1).get(torn) == store.get(torn) == {"format": 1, "objects": {}}
    assert fresh.get("cd" + "0" * 62) is None


def test_summary_store_does_not_write_through_a_symlinked_directory(tmp_path):
    from aiolint.semantics.summary_store import SummaryStore

    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "summaries").symlink_to(outside, target_is_directory=True)
    SummaryStore(str(tmp_path / "cache" / "summaries"), 1).put("ab" + "1" * 62, {"format": 1})
    assert list(outside.iterdir()) == []


def test_paths_resolve_as_the_system_resolves_them(tmp_path, monkeypatch):
    real = tmp_path / "real"
    (real / "pkg").mkdir(parents=True)
    (real / "pkg" / "mod.py").write_text("")
    (real / "elsewhere.py").write_text("")
    os.symlink(real / "pkg", tmp_path / "linked_dir")
    os.symlink(real / "elsewhere.py", real / "pkg" / "linked_file.py")
    monkeypatch.chdir(tmp_path)
    index = project.ProjectIndex(str(tmp_path))
    paths = [
        str(real / "pkg" / "mod.py"), str(tmp_path / "linked_dir" / "mod.py"), "linked_dir/mod.py",
        "real/pkg/../elsewhere.py", str(tmp_path / "linked_dir" / "linked_file.py"), "real/pkg/missing.py",
        "real/pkg/..", "real/pkg/.",
    ]
    assert [index.realpath(p) for p in paths] == [os.path.realpath(p) for p in paths]
    assert [index.realpath(p) for p in paths] == [os.path.realpath(p) for p in paths]  # remembered alike

"""The result cache never serves stale or damaged results, and stays in its directory."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import aiolint
from aiolint.frontends import cache as cache_module
from aiolint.frontends.cache import Cache
from aiolint.core.findings import Finding, Fix
from aiolint.frontends import runner as runner_module
from aiolint.frontends.runner import check_files
from aiolint.core.settings import Settings
from aiolint.semantics import project as project_module

SLEEPY = "import time\n\nasync def f():\n    time.sleep(1)\n"
TWICE = SLEEPY + "    time.sleep(2)\n"
SETTINGS = Settings(respect_noqa=True)


def _run(paths, settings=SETTINGS, cache=None, **kwargs):
    return [(r.path, [(f.code, f.line, f.col) for f in r.findings], r.cached) for r in check_files(
        [str(p) for p in paths], settings, cache=cache, jobs=1, **kwargs
    )]


def _codes(results):
    return [(path, findings) for path, findings, _ in results]


@pytest.fixture
def project(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.py").write_text(SLEEPY)
    (src / "b.py").write_text("x = 1\n")
    return src


def test_second_run_is_served_from_the_cache_with_the_same_findings(project, tmp_path):
    cache_dir = tmp_path / "cache"
    first = _run([project], cache=Cache(cache_dir, SETTINGS))
    second = _run([project], cache=Cache(cache_dir, SETTINGS))
    assert [c for _, _, c in first] == [False, False]
    assert [c for _, _, c in second] == [True, True]
    assert _codes(first) == _codes(second) == _codes(_run([project]))


def test_editing_a_file_is_never_stale(project, tmp_path):
    cache_dir = tmp_path / "cache"
    _run([project], cache=Cache(cache_dir, SETTINGS))
    (project / "a.py").write_text(TWICE)
    results = _run([project], cache=Cache(cache_dir, SETTINGS))
    assert results[0][1] == [("AIO100", 4, 5), ("AIO100", 5, 5)] and results[0][2] is False
    (project / "a.py").write_text(SLEEPY)  # back to the old bytes: the old entry is right again
    assert _run([project], cache=Cache(cache_dir, SETTINGS))[0][1:] == ([("AIO100", 4, 5)], True)


def test_changing_settings_is_never_stale(project, tmp_path):
    cache_dir = tmp_path / "cache"
    _run([project], cache=Cache(cache_dir, SETTINGS))
    ignoring = Settings(ignore=("AIO100",), respect_noqa=True)
    results = _run([project], ignoring, cache=Cache(cache_dir, ignoring))
    assert results[0][1:] == ([], False)


def test_a_new_version_string_is_never_stale(project, tmp_path, monkeypatch):
    cache_dir = tmp_path / "cache"
    _run([project], cache=Cache(cache_dir, SETTINGS))
    monkeypatch.setattr(aiolint, "__version__", aiolint.__version__ + ".post1")
    assert [c for _, _, c in _run([project], cache=Cache(cache_dir, SETTINGS))] == [False, False]


def test_a_change_to_aiolints_own_code_is_never_stale(project, tmp_path, monkeypatch):
    cache_dir = tmp_path / "cache"
    _run([project], cache=Cache(cache_dir, SETTINGS))
    monkeypatch.setattr(cache_module, "_SOURCE_HASH", "edited")
    assert [c for _, _, c in _run([project], cache=Cache(cache_dir, SETTINGS))] == [False, False]


def _entries(cache_dir):
    return [
        os.path.join(root, name)
        for root, _, names in os.walk(cache_dir)
        for name in names
        if len(name) == 62 and not name.startswith(".")
    ]


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # truncated
        lambda data: b"",
        lambda data: data.replace(b'"AIO100"', b'"AIO101"'),  # edited: checksum no longer matches
        lambda data: os.urandom(64),
        lambda data: b"aiolint-cache-1 " + b"0" * 64 + b"\n[]",
    ],
)
def test_a_damaged_entry_is_a_miss_and_is_rewritten(project, tmp_path, damage):
    cache_dir = tmp_path / "cache"
    expected = _codes(_run([project], cache=Cache(cache_dir, SETTINGS)))
    for entry in _entries(cache_dir):
        with open(entry, "rb") as handle:
            data = handle.read()
        with open(entry, "wb") as handle:
            handle.write(damage(data))
    again = _run([project], cache=Cache(cache_dir, SETTINGS))
    assert _codes(again) == expected and again[0][2] is False  # a.py's entry is damaged in every case
    assert [c for _, _, c in _run([project], cache=Cache(cache_dir, SETTINGS))] == [True, True]


def test_an_entry_copied_under_another_key_is_a_miss(tmp_path):
    store = Cache(tmp_path / "cache", SETTINGS)
    first, second = store.key(b"a"), store.key(b"b")
    store.put(first, [Finding("AIO100", "blocking-sleep", "m", 1, 1, 1, 2)])
    os.makedirs(os.path.dirname(store._path(second)), exist_ok=True)
    os.replace(store._path(first), store._path(second))
    assert store.get(second) is None


def test_a_key_names_where_the_file_is(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store = Cache(tmp_path / "cache", SETTINGS)
    here = store.key(b"x = 1\n", "pkg/a.py")
    assert here == store.key(b"x = 1\n", str(tmp_path / "pkg" / "a.py"))  # relative to where it runs
    assert here not in {store.key(b"x = 1\n", "other/a.py"), store.key(b"x = 2\n", "pkg/a.py")}


def test_fixes_survive_as_plain_data(tmp_path):
    store = Cache(tmp_path / "cache", SETTINGS)
    finding = Finding("AIO100", "blocking-sleep", "m", 4, 5, 4, 18, Fix("safe", "Replace it", (), ("asyncio",)))
    store.put(store.key(b"x"), [finding])
    [back] = store.get(store.key(b"x"))
    assert back == finding and back.fix.is_safe


def test_never_writes_outside_its_directory(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    store = Cache(tmp_path / "cache", SETTINGS)
    key = store.key(b"source")
    os.makedirs(store.root, exist_ok=True)
    os.symlink(outside, os.path.join(store.root, key[:2]))  # a planted shard pointing elsewhere
    store.put(key, [])
    assert list(outside.iterdir()) == []
    assert store.get(key) is None


def test_an_unwritable_cache_is_not_an_error(project, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    results = _run([project], cache=Cache(blocker / "cache", SETTINGS))
    assert _codes(results) == _codes(_run([project]))


def test_concurrent_writers_and_readers_never_see_a_partial_entry(tmp_path):
    store = Cache(tmp_path / "cache", SETTINGS)
    key = store.key(b"shared")
    many = [Finding("AIO100", "blocking-sleep", "m" * 200, n, 1, n, 2) for n in range(1, 400)]
    few = many[:3]
    bad = []
    stop = threading.Event()

    def write(findings):
        while not stop.is_set():
            store.put(key, findings)

    def read():
        for _ in range(3000):
            got = store.get(key)
            if got is not None and got not in (many, few):
                bad.append(got)
        stop.set()

    threads = [threading.Thread(target=write, args=(f,)) for f in (many, few)] + [threading.Thread(target=read)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert bad == []
    leftovers = [n for n in os.listdir(os.path.dirname(store._path(key))) if n.startswith(".tmp-")]
    assert leftovers == []


def test_concurrent_cli_runs_agree_with_an_uncached_run(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for n in range(40):
        (src / f"m{n}.py").write_text(SLEEPY * (n % 3 + 1) if n % 2 else "x = 1\n")
    cache_dir = tmp_path / "cache"
    command = [sys.executable, "-m", "aiolint", "check", "--cache-dir", str(cache_dir), str(src)]
    runs = [subprocess.Popen(command + ["-j", "2"], stdout=subprocess.PIPE, cwd=tmp_path) for _ in range(3)]
    outputs = [run.communicate()[0] for run in runs]
    plain = subprocess.run(command[:-3] + ["--no-cache", str(src)], stdout=subprocess.PIPE, cwd=tmp_path).stdout
    warm = subprocess.run(command, stdout=subprocess.PIPE, cwd=tmp_path).stdout
    assert plain.count(b"AIO100") == sum(n % 3 + 1 for n in range(1, 40, 2))
    assert all(out == plain for out in outputs) and warm == plain


def test_only_its_own_digests_name_entries(tmp_path):
    store = Cache(tmp_path / "cache", SETTINGS)
    for key in ("ab" + str(tmp_path / "escaped"), "../" + "0" * 62, "A" * 64, "0" * 63):
        store.put(key, [])
        assert store.get(key) is None
    assert [p for p in tmp_path.rglob("*") if p.is_file() and (tmp_path / "cache") not in p.parents] == []


def test_a_dependency_is_stamped_once_per_cache_and_again_by_the_next(tmp_path, monkeypatch):
    cache = Cache(tmp_path / "cache", SETTINGS)
    shared = tmp_path / "helper.py"
    shared.write_text("x = 1\n")
    stamp = cache_module.project_file_stamp(str(shared))
    keys = [cache.key(text.encode()) for text in ("a = 1\n", "b = 2\n")]
    for key in keys:
        cache.put(key, [], [stamp])
    asked = []
    real = cache_module.project_file_stamp
    monkeypatch.setattr(cache_module, "project_file_stamp", lambda path: asked.append(path) or real(path))
    assert [cache.get(key) for key in keys] == [[], []]
    assert asked == [str(shared)]
    shared.write_text("x = 22\n")  # changed after this run's look-up: the next run's cache sees it
    again = Cache(tmp_path / "cache", SETTINGS)
    assert [again.get(key) for key in keys] == [None, None]


def _entries_and_table(root):
    entries = [p for p in root.rglob("*") if p.is_file() and len(p.parent.name) == 2 and p.parent != root]
    return entries, root / "stamps.jsonl"


def test_entries_name_a_dependency_by_id_and_the_table_lists_it_once(tmp_path):
    cache = Cache(tmp_path / "cache", SETTINGS)
    helper = tmp_path / "helper_module_with_a_long_name.py"
    helper.write_text("x = 1\n")
    stamp = cache_module.project_file_stamp(str(helper))
    keys = [cache.key(text.encode()) for text in ("a = 1\n", "b = 2\n", "c = 3\n")]
    for key in keys:
        cache.put(key, [], [stamp])
    entries, table = _entries_and_table(tmp_path / "cache")
    assert len(entries) == 3 and not any(helper.name.encode() in e.read_bytes() for e in entries)
    assert table.read_bytes().count(helper.name.encode()) == 1
    assert [Cache(tmp_path / "cache", SETTINGS).get(key) for key in keys] == [[], [], []]


@pytest.mark.parametrize("damage", ["lost", "torn", "garbled"])
def test_a_stamp_the_table_does_not_hold_makes_a_miss(tmp_path, damage):
    cache = Cache(tmp_path / "cache", SETTINGS)
    helper = tmp_path / "helper.py"
    helper.write_text("x = 1\n")
    key = cache.key(b"a = 1\n")
    found = [Finding("AIO107", "blocking-helper-call", "m", 1, 1, 1, 2)]
    cache.put(key, found, [cache_module.project_file_stamp(str(helper))])
    assert Cache(tmp_path / "cache", SETTINGS).get(key) == found
    _, table = _entries_and_table(tmp_path / "cache")
    data = table.read_bytes()
    if damage == "lost":
        table.unlink()
    elif damage == "torn":
        table.write_bytes(data[:-5])
    else:
        table.write_bytes(data.replace(b'",', b'"', 1))
    assert Cache(tmp_path / "cache", SETTINGS).get(key) is None


def test_a_table_line_garbled_into_two_values_costs_only_its_own_stamp(tmp_path):
    # The table is read as one JSON document; a line that reads as two values must not shift the
    # others onto the wrong ids.
    cache = Cache(tmp_path / "cache", SETTINGS)
    helpers = [tmp_path / f"h{n}.py" for n in range(3)]
    for helper in helpers:
        helper.write_text("x = 1\n")
    stamps = [cache_module.project_file_stamp(str(h)) for h in helpers]
    keys = [cache.key(f"k{n}".encode()) for n in range(3)]
    for key, stamp in zip(keys, stamps):
        cache.put(key, [], [stamp])
    _, table = _entries_and_table(tmp_path / "cache")
    first, *rest = table.read_bytes().lstrip(b"\n").split(b"\n", 1)
    sid, _, value = first.partition(b" ")
    table.write_bytes(b"\n" + sid + b" " + value + b"," + value + b"\n" + b"".join(rest))
    fresh = Cache(tmp_path / "cache", SETTINGS)
    assert [fresh.get(key) for key in keys] == [None, [], []]


def test_a_table_grown_too_big_is_started_again(tmp_path, monkeypatch):
    cache = Cache(tmp_path / "cache", SETTINGS)
    helpers = [tmp_path / f"h{n}.py" for n in range(4)]
    for helper in helpers:
        helper.write_text("x = 1\n")
    stamps = [cache_module.project_file_stamp(str(h)) for h in helpers]
    first, second = cache.key(b"a\n"), cache.key(b"b\n")
    cache.put(first, [], stamps[:3])
    _, table = _entries_and_table(tmp_path / "cache")
    monkeypatch.setattr(cache_module, "_MAX_STAMPS", table.stat().st_size - 1)
    cache.put(second, [], stamps[2:])  # a new stamp, over the limit: a new table, with this entry's two
    assert table.read_bytes().count(b".py") == 2
    fresh = Cache(tmp_path / "cache", SETTINGS)
    assert (fresh.get(first), fresh.get(second)) == (None, [])


def test_a_stamp_already_in_the_table_is_not_written_again(tmp_path):
    helper = tmp_path / "helper.py"
    helper.write_text("x = 1\n")
    stamp = cache_module.project_file_stamp(str(helper))
    for text in ("a = 1\n", "b = 2\n"):  # two runs (or workers), each with a Cache of its own
        cache = Cache(tmp_path / "cache", SETTINGS)
        cache.put(cache.key(text.encode()), [], [stamp])
    assert (tmp_path / "cache" / "stamps.jsonl").read_bytes().count(b"helper.py") == 1


# ------------------------------------------------------------------ run records
HELPER = "import time\n\n\ndef nap():\n    time.sleep(1)\n"
CALLER = "from .helpers import nap\n\n\nasync def handler():\n    nap()\n"


@pytest.fixture
def app(tmp_path, monkeypatch):
    """A project whose `caller.py` finds its blocking call through `helpers.py`; every run keeps a record."""
    monkeypatch.setattr(runner_module, "MIN_FILES_FOR_RECORD", 1)
    root = tmp_path / "app"
    (root / "pkg").mkdir(parents=True)
    (root / "pyproject.toml").write_text("")
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "helpers.py").write_text(HELPER)
    (root / "pkg" / "caller.py").write_text(CALLER)
    (root / "pkg" / "plain.py").write_text("x = 1\n")
    return root


def _run_afresh(paths, **kwargs):
    """`_run` as a new process runs it: the project's modules read again (a process keeps its index)."""
    project_module._INDEXES.clear()
    return _run(paths, **kwargs)


def _records(cache_dir):
    return sorted((cache_dir / "runs").iterdir()) if (cache_dir / "runs").is_dir() else []


def _entry_reads(monkeypatch):
    """The keys the per-file entries are asked for, from now on."""
    asked = []
    real = Cache.get
    monkeypatch.setattr(Cache, "get", lambda self, key: asked.append(key) or real(self, key))
    return asked


def test_a_warm_run_is_served_by_its_record_alone(app, tmp_path, monkeypatch):
    cache_dir = tmp_path / "cache"
    cold = _run_afresh([app], cache=Cache(cache_dir, SETTINGS))
    assert [c for _, _, c in cold] == [False] * 4 and len(_records(cache_dir)) == 1
    asked = _entry_reads(monkeypatch)
    stats = []
    real_stamp = cache_module.project_file_stamp
    monkeypatch.setattr(cache_module, "project_file_stamp", lambda path: stats.append(path) or real_stamp(path))
    warm = _run_afresh([app], cache=Cache(cache_dir, SETTINGS))
    assert _codes(warm) == _codes(cold) == _codes(_run_afresh([app]))
    assert ("AIO107", 5, 5) in dict(_codes(warm))[str(app / "pkg" / "caller.py")]
    assert [c for _, _, c in warm] == [True] * 4
    assert asked == [] and stats == []  # no entry opened; helpers.py's stamp came from this run's read


def test_a_record_whose_dependency_changed_is_not_used(app, tmp_path, monkeypatch):
    cache_dir = tmp_path / "cache"
    _run_afresh([app], cache=Cache(cache_dir, SETTINGS))
    (app / "pkg" / "helpers.py").write_text(HELPER.replace("time.sleep(1)", "return 1"))
    asked = _entry_reads(monkeypatch)
    results = _run_afresh([app], cache=Cache(cache_dir, SETTINGS))
    assert _codes(results) == _codes(_run_afresh([app]))
    assert dict(_codes(results))[str(app / "pkg" / "caller.py")] == []
    assert len(asked) == 4  # every file went through its own entry
    again = _run_afresh([app], cache=Cache(cache_dir, SETTINGS))  # the record written then serves the next run
    assert _codes(again) == _codes(results) and [c for _, _, c in again] == [True] * 4


def test_a_file_edited_alone_is_linted_and_the_rest_served_by_the_record(app, tmp_path, monkeypatch):
    cache_dir = tmp_path / "cache"
    _run_afresh([app], cache=Cache(cache_dir, SETTINGS))
    (app / "pkg" / "plain.py").write_text(SLEEPY)  # nothing depends on it
    asked = _entry_reads(monkeypatch)
    results = _run_afresh([app], cache=Cache(cache_dir, SETTINGS))
    assert _codes(results) == _codes(_run_afresh([app]))
    assert [(Path(p).name, c) for p, _, c in results if not c] == [("plain.py", False)]
    assert len(asked) == 1
    monkeypatch.undo()
    assert _codes(_run_afresh([app], cache=Cache(cache_dir, SETTINGS))) == _codes(results)


@pytest.mark.parametrize("damage", ["truncated", "garbled", "shapes"])
def test_a_damaged_record_is_as_good_as_none(app, tmp_path, damage):
    cache_dir = tmp_path / "cache"
    expected = _codes(_run_afresh([app], cache=Cache(cache_dir, SETTINGS)))
    [record] = _records(cache_dir)
    data = record.read_bytes()
    if damage == "truncated":
        record.write_bytes(data[: len(data) // 2])
    elif damage == "garbled":
        record.write_bytes(data.replace(b"AIO107", b"AIO108"))  # the checksum no longer verifies
    else:  # verifies, but holds what no run wrote
        paths, sizes, mtimes, files = json.loads(data.partition(b"\n")[2])
        bad_row = ["AIO100", "n", "m", 1, 0, 1, 1, 5, 0]  # a fix that is not one
        for columns in ([[["x"]] * len(paths), sizes, mtimes], [paths, sizes[1:], mtimes], [paths, sizes, mtimes]):
            forged = {key: [bad_row] for key in files}
            record.write_bytes(cache_module._framed(json.dumps([*columns, forged]).encode()))
            assert _codes(_run_afresh([app], cache=Cache(cache_dir, SETTINGS))) == expected
            record.write_bytes(cache_module._framed(json.dumps([*columns, files]).encode()))
    assert _codes(_run_afresh([app], cache=Cache(cache_dir, SETTINGS))) == expected


def test_only_the_latest_records_are_kept(app, tmp_path, monkeypatch):
    cache_dir = tmp_path / "cache"
    monkeypatch.setattr(cache_module, "_MAX_RUNS", 2)
    _run_afresh([app], cache=Cache(cache_dir, SETTINGS))
    [first] = _records(cache_dir)
    os.utime(first, ns=(0, 0))  # the oldest
    for paths in ([app / "pkg"], [app / "pkg" / "caller.py", app / "pkg" / "helpers.py"]):
        _run_afresh(paths, cache=Cache(cache_dir, SETTINGS))
    kept = _records(cache_dir)
    assert len(kept) == 2 and first not in kept


def test_a_record_is_never_written_through_a_planted_link(app, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    (cache_dir / "runs").symlink_to(outside, target_is_directory=True)
    expected = _codes(_run_afresh([app]))
    assert _codes(_run_afresh([app], cache=Cache(cache_dir, SETTINGS))) == expected
    assert list(outside.iterdir()) == []

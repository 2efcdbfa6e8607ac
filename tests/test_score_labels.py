"""benchmarks/score_labels.py: the matching of findings to labels, on a tiny synthetic set.

No network, no mirrors, no aiolint run: `score` is a pure function; `materialise` only has
to say which repo to fetch when its mirror is missing; the committed sets must load.
"""
import json

import pytest

from benchmarks import score_labels
from conftest import ROOT

Label, Finding = score_labels.Label, score_labels.Finding
C = "0" * 40


def _label(path, line, label, codes=(), kind="attribute", repo="o/r"):
    return Label(repo=repo, commit=C, path=path, line=line, label=label, codes=tuple(codes), kind=kind)


LABELS = [
    _label("a.py", 10, "true", ["AIO104"], "attribute"),        # found
    _label("a.py", 11, "true", ["AIO104"], "attribute"),        # missed
    _label("a.py", 12, "true", ["AIO107"], "other-module"),     # reported under another code
    _label("a.py", 20, "trap", kind="attribute"),               # flagged: a false alarm
    _label("a.py", 21, "trap", kind="other-module"),            # silent
    _label("b.py", 5, "ambiguous", kind="derived"),             # reported, not scored
    _label("c.py", 1, "true", ["AIO101"], "derived", repo="o/gone"),  # repo not run
]
FINDINGS = {
    ("o/r", C): [
        Finding("a.py", 10, "AIO104", "m"),
        Finding("a.py", 12, "AIO104", "m"),
        Finding("a.py", 20, "AIO101", "m"),
        Finding("b.py", 5, "AIO104", "m"),
        Finding("b.py", 30, "AIO103", "m"),   # unlabelled line
        Finding("a.py", 21, "AIO401", "m"),   # other family: ignored on a trap line
    ]
}


def test_score_per_kind():
    report = score_labels.score(LABELS, FINDINGS, "AIO1", not_run=[("o/gone", C, "fetch github:o/gone")])
    attribute = report.kinds["attribute"]
    assert (attribute.true, attribute.found, attribute.traps, attribute.alarms) == (2, 1, 1, 1)
    assert attribute.recall == 0.5 and attribute.precision == 0.5
    other = report.kinds["other-module"]
    assert (other.true, other.found, other.wrong_code, other.traps, other.alarms) == (1, 0, 1, 1, 0)
    assert report.kinds["derived"].ambiguous == 1 and report.kinds["derived"].true == 0
    total = report.total
    assert (total.true, total.found, total.wrong_code, total.traps, total.alarms) == (3, 1, 1, 2, 1)
    assert [(site.path, site.line) for site in report.missed] == [("a.py", 11)]
    assert [(site.path, site.line) for site, _ in report.false_alarms] == [("a.py", 20)]
    assert [(site.path, site.line) for site, _ in report.wrong_code] == [("a.py", 12)]
    assert [(site.path, site.line) for site, _ in report.ambiguous_hits] == [("b.py", 5)]
    assert [(repo, f.path, f.line, f.code) for repo, _, f in report.unlabelled] == [("o/r", "b.py", 30, "AIO103")]
    assert report.not_run == [("o/gone", C, "fetch github:o/gone")]


def test_output_formats_carry_the_figures():
    report = score_labels.score(LABELS, FINDINGS, "AIO1")
    meta = {"set": "synthetic", "labels": len(LABELS), "repos": 2, "aiolint": "test"}
    data = score_labels.to_json(report, meta)
    json.dumps(data)
    assert data["total"]["found"] == 1 and data["kinds"]["attribute"]["recall"] == 0.5
    text = score_labels.to_text(report, meta, show_missed=True)
    assert "False alarms (trap lines with a finding): 1" in text
    assert "Unlabelled findings (judge by hand): 1" in text
    assert "o/gone c.py:1 AIO101" in text  # missed, since that repo was not marked as not run here


def test_missing_mirror_says_what_to_fetch(tmp_path):
    directory, why = score_labels.materialise("owner/name", C, tmp_path / "mirrors", tmp_path / "src")
    assert directory is None and why.endswith("fetch github:owner/name")


def test_load_labels_rejects_bad_lines(tmp_path):
    good = {"repo": "o/r", "commit": C, "path": "a.py", "line": 1, "label": "true", "codes": ["AIO104"]}
    path = tmp_path / "s.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(good) + "\n")
    with pytest.raises(ValueError, match="labelled twice"):
        score_labels.load_labels(path)
    path.write_text(json.dumps({**good, "codes": []}) + "\n")
    with pytest.raises(ValueError, match="needs its codes"):
        score_labels.load_labels(path)
    path.write_text(json.dumps({**good, "label": "maybe"}) + "\n")
    with pytest.raises(ValueError, match="label must be"):
        score_labels.load_labels(path)


def test_committed_sets_load():
    sets = sorted((ROOT / "benchmarks" / "labels").glob("*.jsonl"))
    assert sets
    for path in sets:
        labels = score_labels.load_labels(path)
        assert labels and all(len(label.commit) == 40 for label in labels)
    assert score_labels.family_of(score_labels.load_labels(ROOT / "benchmarks" / "labels" / "reach.jsonl")) == "AIO1"


def test_materialise_from_a_local_mirror(tmp_path):
    import subprocess

    work = tmp_path / "work"
    (work / "pkg").mkdir(parents=True)
    (work / "pkg" / "a.py").write_text("x = 1\n")
    (work / "README.md").write_text("not Python\n")
    (work / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(work)]
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "c"], check=True)
    commit = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    mirrors = tmp_path / "mirrors"
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(mirrors / "o+r" / "repo")], check=True)

    directory, why = score_labels.materialise("o/r", commit, mirrors, tmp_path / "src")
    assert why == "" and directory == tmp_path / "src" / f"o+r@{commit[:12]}"
    assert (directory / "pkg" / "a.py").read_text() == "x = 1\n"
    assert (directory / "pyproject.toml").is_file() and not (directory / "README.md").exists()
    assert (directory / ".git").is_dir()
    again, _ = score_labels.materialise("o/r", commit, mirrors, tmp_path / "src")  # reused, not redone
    assert again == directory
    gone, why = score_labels.materialise("o/r", "f" * 40, mirrors, tmp_path / "src")
    assert gone is None and "not in the mirror" in why

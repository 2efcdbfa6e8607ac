"""Generated rule docs are committed up to date; README, `--help` and the config keys agree."""
from __future__ import annotations

import argparse
import re
import shutil

from aiolint.frontends import docs
from aiolint.frontends.cli import build_parser, main
from aiolint.frontends.config import KEYS
from aiolint.rules import all_rules
from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
REGENERATE = "out of date: run `python -m aiolint.frontends.docs` and commit the result"


def test_docs_rules_md_is_generated_from_the_current_registry():
    committed = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == docs.render_catalog(), f"docs/rules.md is {REGENERATE}"


def test_readme_rules_table_is_generated_from_the_current_registry():
    assert README == docs.render_readme(README), f"README.md's rules table is {REGENERATE}"


def test_generator_writes_then_checks(tmp_path, capsys):
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    (tmp_path / "README.md").write_text(docs.render_readme(README).replace("| AIO100", "| AIO999"))
    assert docs.main(["--root", str(tmp_path), "--check"]) == 1
    assert "out of date" in capsys.readouterr().err
    assert docs.main(["--root", str(tmp_path)]) == 0
    assert docs.main(["--root", str(tmp_path), "--check"]) == 0
    assert (tmp_path / "docs" / "rules.md").read_text() == docs.render_catalog()


def test_every_rule_page_has_example_fix_and_safety():
    anchors = set()
    for rule in all_rules():
        page = docs.render_rule(rule)
        for section in ("### What it does", "### Why is this bad?", "### Example", "### Use instead", "### Fix safety"):
            assert section in page, (rule.code, section)
        assert rule.docs.example.strip() and rule.docs.use_instead.strip()
        if rule.fix_availability:
            assert rule.docs.fix_safety.strip(), f"{rule.code} has a fix but no fix-safety text"
        anchors.add(docs.anchor(rule.code, rule.name))
    assert len(anchors) == len(all_rules())


def test_rule_command_prints_the_page_in_docs(capsys):
    catalog = docs.render_catalog()
    for rule in all_rules()[:3]:
        assert main(["rule", rule.code]) == 0
        assert capsys.readouterr().out.strip() in catalog
    assert main(["rule", "AIO000"]) == 0
    assert capsys.readouterr().out.strip() in catalog


def test_anchor_is_githubs_heading_slug():
    assert docs.anchor("AIO100", "blocking-sleep") == "aio100-blocking-sleep"
    for rule in all_rules():
        assert f"(docs/rules.md#{docs.anchor(rule.code, rule.name)})" in docs.render_readme(README)


# ------------------------------------------------------------------- README and --help
def _subparsers(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices
    return {}


def cli_flags():
    """Every option string of `aiolint` and its subcommands (help excluded)."""
    parser = build_parser()
    flags = {}
    for command, sub in [("", parser), *_subparsers(parser).items()]:
        for action in sub._actions:
            for option in action.option_strings:
                if option not in ("-h", "--help"):
                    flags.setdefault(option, set()).add(command)
    return flags


def readme_flag_rows():
    """Flags named in the first column of README's flag table."""
    section = README[README.index("### Flags"):README.index("### Which files")]
    flags = set()
    for line in section.splitlines():
        if line.startswith("| `-"):
            first_cell = line.split("|")[1]
            flags.update(re.findall(r"(?<![\w-])(--?[a-z][\w-]*)", first_cell))
    return flags


def test_every_flag_in_help_is_documented_in_the_readme():
    undocumented = sorted(flag for flag in cli_flags() if f"`{flag}" not in README and f" {flag}`" not in README)
    assert not undocumented, f"document these flags in README.md's Flags table: {undocumented}"
    missing_rows = sorted(set(cli_flags()) - readme_flag_rows())
    assert not missing_rows, f"README.md's Flags table lacks rows for {missing_rows}"


def test_every_flag_in_the_readme_exists():
    assert readme_flag_rows() - set(cli_flags()) == set()


def test_help_text_mentions_every_flag():
    parser = build_parser()
    for name, sub in _subparsers(parser).items():
        text = sub.format_help()
        for action in sub._actions:
            for option in action.option_strings:
                assert option in text, (name, option)


def test_every_config_key_is_documented_and_only_those():
    section = README[README.index("## Configuration"):README.index("## Output formats")]
    table_keys = set(re.findall(r"^\| `([a-z][a-z-]*)` \|", section, re.MULTILINE))
    assert table_keys == set(KEYS)
    flag_section = README[README.index("### Flags"):README.index("### Which files")]
    keys_with_flags = set(re.findall(r"\| `([a-z][a-z-]*)` \|", flag_section))
    assert keys_with_flags == set(KEYS), "every config key has a flag that overrides it"


def test_readme_lists_the_builtin_excludes():
    from aiolint.frontends.files import DEFAULT_EXCLUDES

    section = README[README.index("### Which files"):README.index("## Configuration")]
    missing = sorted(name for name in DEFAULT_EXCLUDES if f"`{name}`" not in section and f"{name}`" not in section)
    assert not missing, f"README.md's 'Which files' should name the built-in excludes {missing}"

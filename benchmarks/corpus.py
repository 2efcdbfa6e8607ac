"""Download the pinned real-world corpus: sdists of well-known async projects nobody here wrote.

    python benchmarks/corpus.py            # all packages into benchmarks/.corpus/
    python benchmarks/corpus.py starlette  # just some
    python benchmarks/corpus.py --list     # print the extracted source roots

Sdists come from the package index's simple API (PEP 503) and are checked against the
SHA-256 the index publishes. Nothing is built or installed: the files are only read.
"""
from __future__ import annotations

import argparse
import hashlib
import re
import sys
import sysconfig
import tarfile
import urllib.request
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Dict, List, Optional

HERE = Path(__file__).resolve().parent
CORPUS = HERE / ".corpus"
INDEX = "https://pypi.org/simple"

PINNED: Dict[str, str] = {
    "aiohttp": "3.14.5",
    "starlette": "1.10.0",
    "fastapi": "0.165.0",
    "httpx": "0.28.1",
    "sanic": "25.12.1",
    "uvicorn": "0.54.0",
    "websockets": "17.4",
    "redis": "8.1.0",
    "discord.py": "2.7.1",
    "aiogram": "3.31.0",
    "homeassistant": "2024.3.3",
}


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: List[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)


def sdist_url(name: str, version: str) -> str:
    with urllib.request.urlopen(f"{INDEX}/{normalize(name)}/", timeout=120) as response:
        parser = _Links()
        parser.feed(response.read().decode("utf-8", "replace"))
    for link in parser.links:
        filename = link.split("#", 1)[0].rsplit("/", 1)[-1]
        for suffix in (".tar.gz", ".zip"):
            if filename.endswith(suffix):
                stem = filename[: -len(suffix)]
                dist, _, dist_version = stem.rpartition("-")
                if normalize(dist) == normalize(name) and dist_version == version:
                    return link
    raise SystemExit(f"{name}=={version}: no sdist on the index")


def download(name: str, version: str) -> Path:
    target = CORPUS / f"{normalize(name)}-{version}"
    if (target / ".complete").exists():
        return target
    url = sdist_url(name, version)
    expected = url.split("#sha256=", 1)[1] if "#sha256=" in url else None
    archive = CORPUS / url.split("#", 1)[0].rsplit("/", 1)[-1]
    CORPUS.mkdir(parents=True, exist_ok=True)
    print(f"downloading {name}=={version}", file=sys.stderr)
    with urllib.request.urlopen(url.split("#", 1)[0], timeout=600) as response:
        data = response.read()
    if expected and hashlib.sha256(data).hexdigest() != expected:
        raise SystemExit(f"{name}=={version}: checksum mismatch")
    archive.write_bytes(data)
    target.mkdir(parents=True, exist_ok=True)
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(target)
    else:
        with tarfile.open(archive) as tf:
            tf.extractall(target, filter="data") if hasattr(tarfile, "data_filter") else tf.extractall(target)
    archive.unlink()
    (target / ".complete").write_text(url.split("#", 1)[0] + "\n")
    return target


def stdlib_asyncio() -> Path:
    """The running CPython's own Lib/asyncio, a corpus that must stay (almost) silent."""
    return Path(sysconfig.get_paths()["stdlib"]) / "asyncio"


def ensure(names: Optional[List[str]] = None) -> Dict[str, Path]:
    """Download (once) and return {package: extracted directory}."""
    wanted = names or list(PINNED)
    unknown = [n for n in wanted if n not in PINNED]
    if unknown:
        raise SystemExit(f"not in the pinned corpus: {', '.join(unknown)} (known: {', '.join(PINNED)})")
    return {name: download(name, PINNED[name]) for name in wanted}


_SECTION = re.compile(r"<!-- section: (?P<name>[\w-]+) -->\n.*?<!-- end: (?P=name) -->\n", re.DOTALL)


def kept_sections(path: Path) -> str:
    """The marked sections of a results file, which the script that rewrites it must keep."""
    if not path.exists():
        return ""
    return "".join(match.group(0) for match in _SECTION.finditer(path.read_text()))


def write_section(path: Path, name: str, body: str) -> None:
    """Put `body` into the section `name` of a Markdown results file, keeping everything else.

    Several scripts report into benchmarks/results.md; each owns its marked section.
    """
    block = f"<!-- section: {name} -->\n{body.rstrip()}\n<!-- end: {name} -->\n"
    text = path.read_text() if path.exists() else ""
    pattern = re.compile(rf"<!-- section: {re.escape(name)} -->\n.*?<!-- end: {re.escape(name)} -->\n", re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + block
    path.write_text(text)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("packages", nargs="*", help=f"subset of: {', '.join(PINNED)}")
    parser.add_argument("--list", action="store_true", help="print the source directories")
    args = parser.parse_args(argv)
    roots = ensure(args.packages or None)
    if args.list:
        for root in roots.values():
            print(root)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

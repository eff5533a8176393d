"""Saved pages parsed from a file, without `--url`: the address the page declares, or none."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from scraper.parsers import parse_page
from scraper.parsers.base import declared_url, load_html
from search_cli.cli import cli

PAGES = Path(__file__).parent / "fixtures" / "pages"
NAMES = sorted(p.name for p in PAGES.iterdir() if (p / "expected.json").exists())
# read with a regex, not with the code under test: `<link ... rel="canonical" href="...">`
CANONICAL = re.compile(r'<link\b[^>]*\brel="canonical"[^>]*\bhref="([^"]+)"|'
                       r'<link\b[^>]*\bhref="([^"]+)"[^>]*\brel="canonical"')  # fmt: skip
PIPELINE_FIELDS = {"portal", "fetched", "digest", "warc_file", "warc_offset"}


def _expected(name: str) -> dict[str, Any]:
    return json.loads((PAGES / name / "expected.json").read_text(encoding="utf-8"))


def _url(name: str) -> str:
    return json.loads((PAGES / name / "meta.json").read_text(encoding="utf-8"))["url"]


def _file(name: str) -> Path:
    return (PAGES / name / "input.html").resolve()


def _canonical(name: str) -> str | None:
    match = CANONICAL.search(_file(name).read_text(encoding="utf-8", errors="replace"))
    return (match.group(1) or match.group(2)) if match else None


WITH_CANONICAL = [n for n in NAMES if _canonical(n) == _url(n)]
# listings that declare no address of their own (no canonical link, no og:url)
LISTINGS = [n for n in NAMES if _expected(n)["kind"] == "listing" and _canonical(n) is None]


def test_most_saved_fixtures_name_their_own_address() -> None:
    assert len(WITH_CANONICAL) >= 15
    assert {n.split("_")[0] for n in WITH_CANONICAL} >= {"nukeviet", "liferay7", "generic"}


@pytest.mark.parametrize("name", WITH_CANONICAL)
def test_a_saved_page_parsed_from_its_file_is_the_record_of_its_address(name: str) -> None:
    record = parse_page(_file(name).as_uri(), _file(name).read_bytes())
    assert {k: v for k, v in record.items() if k not in PIPELINE_FIELDS} == {
        k: v for k, v in _expected(name).items() if k not in PIPELINE_FIELDS
    }


@pytest.mark.parametrize("name", LISTINGS)
def test_a_saved_listing_without_an_address_is_still_a_listing(name: str) -> None:
    """No canonical, no og:url: the links are the in-site links, absolute or from the root."""
    record = parse_page(_file(name).as_uri(), _file(name).read_bytes())
    assert record["kind"] == "listing" and record["url"] == _file(name).as_uri()
    site = urlsplit(_url(name)).netloc
    got = record["links"]
    assert got and all(link.startswith(("/", "http://", "https://")) for link in got)
    same_site = {
        link if link.startswith("http") else f"https://{site}{link}"
        for link in got
        if link.startswith("/") or urlsplit(link).netloc == site
    }
    # every expected link but one written relative to the page's folder (`index.php?nv=...`)
    missing = set(_expected(name)["links"]) - same_site
    assert same_site <= set(_expected(name)["links"])
    assert len(missing) <= 1 and all("index.php?" in link for link in missing)


def _saved_by_a_browser(name: str, folder: Path) -> Path:
    """The fixture as Chrome's "Save as" writes it: a saved-from comment after the doctype."""
    raw = _file(name).read_bytes()
    url = _url(name)
    comment = f"\n<!-- saved from url=({len(url):04d}){url} -->".encode()
    end = raw.index(b">", raw.lower().index(b"<!doctype")) + 1 if b"<!DOCTYPE" in raw else 0
    path = folder / f"{name}.html"
    path.write_bytes(raw[:end] + comment + raw[end:])
    return path


@pytest.mark.parametrize("name", [*LISTINGS, "generic_bare", "sharepoint_vbpl_document"])
def test_a_page_saved_by_a_browser_is_the_record_of_the_address_it_was_saved_from(
    name: str, tmp_path: Path
) -> None:
    assert _canonical(name) is None  # the comment is all these pages say of their address
    path = _saved_by_a_browser(name, tmp_path)
    record = parse_page(path.as_uri(), path.read_bytes())
    assert {k: v for k, v in record.items() if k not in PIPELINE_FIELDS} == {
        k: v for k, v in _expected(name).items() if k not in PIPELINE_FIELDS
    }


def test_the_saved_from_address_comes_before_the_canonical_link(tmp_path: Path) -> None:
    page = (
        "<!DOCTYPE html>\n<!-- saved from url=(0049)https://thixa.tayninh.gov.vn/tin-tuc/bai-12.html -->"
        '\n<html><head><link rel="canonical" href="https://thixa.tayninh.gov.vn/">'
        "</head><body><h1>Tin</h1><p>Nội dung</p></body></html>"
    )
    assert declared_url(load_html(page)) == "https://thixa.tayninh.gov.vn/tin-tuc/bai-12.html"
    local = "<!-- saved from url=(0014)about:internet -->\n<html><body><p>Tin</p></body></html>"
    assert declared_url(load_html(local)) is None


def test_a_crawled_page_keeps_the_address_it_was_fetched_from() -> None:
    name = WITH_CANONICAL[0]
    record = parse_page("https://mirror.example.vn/copy.html", _file(name).read_bytes())
    assert record["url"] == "https://mirror.example.vn/copy.html"


@pytest.mark.parametrize(
    ("head", "url"),
    [
        ('<link rel="canonical" href="https://a.gov.vn/x-1.html#top">', "https://a.gov.vn/x-1.html"),
        ('<link rel="Canonical alternate" href="https://a.gov.vn/y">', "https://a.gov.vn/y"),
        ('<meta property="og:url" content="https://b.gov.vn/tin/z-2.html">',
         "https://b.gov.vn/tin/z-2.html"),
        ('<link rel="canonical" href="/tin/z-2.html">'
         '<meta property="og:url" content="https://b.gov.vn/tin/z-2.html">',
         "https://b.gov.vn/tin/z-2.html"),
        ('<link rel="canonical" href="javascript:void(0)">', None),
        ('<link rel="canonical" href="https://">', None),
        ('<link rel="stylesheet" href="https://a.gov.vn/site.css">', None),
    ],
)  # fmt: skip
def test_declared_url(head: str, url: str | None) -> None:
    doc = load_html(f"<html><head>{head}</head><body><p>Tin</p></body></html>")
    assert declared_url(doc) == url


def test_govarchive_parse_of_saved_files_without_url() -> None:
    article, listing = _file("nukeviet_egov_seed"), _file("nukeviet_listing_category")
    result = CliRunner().invoke(cli, ["parse", str(article), str(listing)])
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["url"] == _url("nukeviet_egov_seed") and first["kind"] == "article"
    assert second["kind"] == "listing" and second["links"]

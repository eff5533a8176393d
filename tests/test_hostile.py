"""Hostile input: XML bombs, external entities, fuzzed HTML, huge titles, scripts, CSV formulas."""

from __future__ import annotations

import csv
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scraper.parsers import ParseError, parse_page
from scraper.parsers.registry import FAMILIES
from scraper.record import empty_record
from scraper.replica import ReplicaPortal
from scraper.replica.content import load_articles
from scraper.replica.faults import Fault, FaultPlan, xml_bomb
from tests.conftest import REPO, run_cli
from tests.test_faults import records_by_url, write_registry

URL = "https://trangbang.tayninh.gov.vn/tin-tuc/tin-tuc-su-kien/bai-viet-1.html"
MAX_CRAWL_RSS_MB = 400
RSS_WRAPPER = r"""
import atexit, resource, sys
atexit.register(lambda: sys.stderr.write(
    f"\nMAXRSS_KB {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\n"))
from search_cli.cli import main
sys.argv = ["govarchive", *sys.argv[1:]]
main()
"""


def sitemap_bomb(base: str, external: str) -> bytes:
    """A news sitemap with a billion-laughs DTD and an external entity in a <loc>."""
    body = (
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{base}/tin-tuc/&lol9;.html</loc></url>"
        "<url><loc>&xxe;</loc></url>"
        f"<url><loc>{base}/tin-tuc/</loc></url></urlset>"
    )
    return xml_bomb("urlset", body, external=external)


def rss_bomb(base: str, external: str) -> bytes:
    """An RSS feed whose items expand a billion-laughs entity and an external one."""
    body = (
        '<rss version="2.0"><channel><title>&lol9;</title>'
        f"<item><title>&xxe;</title><link>{base}/tin-tuc/a-1.html</link>"
        "<description>&lol9;</description></item></channel></rss>"
    )
    return xml_bomb("rss", body, external=external)


@pytest.fixture(scope="module")
def bombed_crawl(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Crawl a replica whose sitemaps and feed are XML bombs with external entities."""
    data = tmp_path_factory.mktemp("bombed")
    plan = FaultPlan()
    with ReplicaPortal() as outside, ReplicaPortal(faults=plan) as portal:
        external = f"{outside.url}/xxe-entity.txt"
        index = xml_bomb(
            "sitemapindex",
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{portal.url}/sitemap-vi.news.xml</loc></sitemap>"
            "<sitemap><loc>&xxe;</loc></sitemap></sitemapindex>",
            external=external,
        )
        plan.add("/sitemap.xml", Fault.page(index, "application/xml"))
        plan.add(
            "/sitemap-vi.news.xml",
            Fault.page(sitemap_bomb(portal.url, external), "application/xml"),
        )
        plan.add("/tin-tuc/rss/", Fault.page(rss_bomb(portal.url, external), "application/rss+xml"))
        plan.link("/tin-tuc/rss/")
        write_registry(data, portal.url)
        script = data / "rss_wrapper.py"
        script.write_text(RSS_WRAPPER)
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, str(script), "--data", str(data), "crawl", "replica"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        elapsed = time.monotonic() - started
        expected = {portal.article_url(a["id"]) for a in load_articles()}
        outside_requests = list(outside.requests)
        requests = list(portal.requests)
    match = re.search(r"MAXRSS_KB (\d+)", result.stderr)
    return {
        "result": result,
        "elapsed": elapsed,
        "rss_mb": int(match.group(1)) / 1024 if match else None,
        "outside": outside_requests,
        "requests": requests,
        "records": records_by_url(data),
        "expected": expected,
    }


def test_xml_bombs_neither_expand_nor_fetch(bombed_crawl: dict[str, Any]) -> None:
    result = bombed_crawl["result"]
    assert result.returncode == 0, result.stderr[-3000:]
    assert bombed_crawl["outside"] == [], "an external entity was fetched"
    assert bombed_crawl["rss_mb"] is not None and bombed_crawl["rss_mb"] < MAX_CRAWL_RSS_MB
    assert bombed_crawl["elapsed"] < 150
    paths = [urlsplit(p).path for _m, p, _s in bombed_crawl["requests"]]
    assert not [p for p in paths if "lol" in p], "an entity was expanded into a URL"


def test_a_bombed_sitemap_does_not_cost_the_portal(bombed_crawl: dict[str, Any]) -> None:
    assert set(bombed_crawl["expected"]) <= set(bombed_crawl["records"])


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize("make", [sitemap_bomb, rss_bomb])
def test_bombs_given_to_the_parsers_stay_small(make: Any) -> None:
    from scrapy.utils.sitemap import Sitemap

    with ReplicaPortal() as outside:
        bomb = make("https://trangbang.tayninh.gov.vn", f"{outside.url}/xxe.txt")
        before = _max_rss_mb()
        started = time.monotonic()
        try:
            record = parse_page(URL, bomb)
            assert "lollollol" not in str(record)
        except ParseError:
            pass
        try:
            entries = list(Sitemap(bomb))
            assert "lollollol" not in str(entries)
        except Exception as exc:  # a refused document is fine; it must not expand or fetch
            assert "lollollol" not in str(exc)
        assert time.monotonic() - started < 10
        assert _max_rss_mb() - before < 100
        assert outside.requests == []


# -- fuzzed HTML --------------------------------------------------------------------------------

TAGS = ["div", "p", "span", "h1", "h2", "h3", "a", "table", "tr", "td", "ul", "li", "strong",
        "script", "style", "meta", "title", "br", "img", "form", "iframe", "svg", "math"]  # fmt: skip
CLASSES = ["news_column", "newsdetail", "bodytext", "hometext", "lawh3", "journal-content-article",
           "asset-title", "pagination", "panel", "text-right", "ct_time", "article"]  # fmt: skip
TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40
) | st.sampled_from(
    ["Thứ ba - 26/01/2021 17:00", "Số kí hiệu", "45-CV/BTGTU", "&#7889;", "&nbsp;", "\x00\x1b",
     "Ngày ban hành", "Tác giả bài viết: ", "]]>", "<!--", "-->", "&lol;", "\ufeff", "\u202e"]
)  # fmt: skip


@st.composite
def html_trees(draw: st.DrawFn, depth: int = 0) -> str:
    """Random NukeViet-flavoured markup, often broken."""
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        if depth < 4 and draw(st.booleans()):
            tag = draw(st.sampled_from(TAGS))
            attrs = ""
            if draw(st.booleans()):
                attrs += f' class="{draw(st.sampled_from(CLASSES))}"'
            if draw(st.booleans()):
                attrs += ' itemprop="headline" id="news-bodyhtml"'
            close = "" if draw(st.integers(0, 5)) == 0 else f"</{tag}>"
            parts.append(f"<{tag}{attrs}>{draw(html_trees(depth + 1))}{close}")
        else:
            parts.append(draw(TEXT))
    return "".join(parts)


def _check(result: dict[str, Any]) -> None:
    assert result.get("kind") in ("article", "document", "listing"), result
    if result["kind"] == "listing":
        assert isinstance(result.get("links"), list)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tree=html_trees(),
    as_bytes=st.booleans(),
    cms=st.sampled_from([None, "nukeviet", *FAMILIES]),
)
def test_fuzzed_html_gives_a_record_or_a_reason(tree: str, as_bytes: bool, cms: str | None) -> None:
    html = f"<html><head><title>T</title></head><body>{tree}</body></html>"
    page: str | bytes = html.encode("utf-8", errors="surrogatepass") if as_bytes else html
    try:
        result = parse_page(URL, page, cms=cms)
    except ParseError as exc:
        assert str(exc).strip(), "a ParseError carries a reason"
        return
    _check(result)


# -- hostile but valid pages ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def article_html() -> tuple[str, dict[str, Any]]:
    """A real replica article page and its content."""
    article = load_articles()[0]
    with ReplicaPortal() as portal:
        import urllib.request

        url = portal.article_url(article["id"])
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.read().decode("utf-8"), article


def test_script_and_style_never_reach_the_text(article_html: tuple[str, dict[str, Any]]) -> None:
    html, _ = article_html
    hostile = (
        "<script>var SCRIPTMARK = '<p>x</p>';</script><style>.STYLEMARK{color:red}</style>"
        "<noscript>NOSCRIPTMARK</noscript><template><p>TEMPLATEMARK</p></template>"
        "<!-- COMMENTMARK -->"
    )
    at = html.index('<div id="news-bodyhtml"')
    at = html.index(">", at) + 1
    page = html[:at] + hostile + html[at:]
    record = parse_page(URL, page)
    text = " ".join(str(v) for v in record.values())
    for mark in ("SCRIPTMARK", "STYLEMARK", "TEMPLATEMARK", "COMMENTMARK"):
        assert mark not in text, mark


def test_a_script_inside_the_headline_stays_out_of_the_title(
    article_html: tuple[str, dict[str, Any]],
) -> None:
    html, article = article_html
    page = html.replace("</h1>", "<script>TITLESCRIPT()</script></h1>", 1)
    assert parse_page(URL, page)["title"] == article["title"]


def test_control_characters_are_dropped_from_titles(
    article_html: tuple[str, dict[str, Any]],
) -> None:
    html, article = article_html
    dirty = article["title"][:10] + "\x00\x01\x07\x1b[31m\x7f\u200b" + article["title"][10:]
    page = html.replace(article["title"], dirty.replace("\x00", "&#0;"), 1)
    record = parse_page(URL, page)
    title = record["title"] or ""
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", title), repr(title)


def test_an_enormous_title_is_handled_in_bounded_time(
    article_html: tuple[str, dict[str, Any]],
) -> None:
    html, article = article_html
    huge = "Tiêu đề rất dài " * 70_000  # about 1 MB
    started = time.monotonic()
    record = parse_page(URL, html.replace(article["title"], huge))
    assert time.monotonic() - started < 20
    assert record["kind"] == "article"


def test_a_page_without_title_or_text_is_a_reason_not_a_record() -> None:
    page = '<html><body><ul class="x"><li><a href="/a/">a</a></li></ul></body></html>'
    with pytest.raises(ParseError):
        parse_page("https://example.gov.vn/lich/2021-01/", page)


# -- CSV export ----------------------------------------------------------------------------------

FORMULAS = [
    '=HYPERLINK("http://127.0.0.1:9/x","Bấm vào đây")',
    "+84 276 3881 234",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "=cmd|' /C notepad'!'A1'",
]


def test_spreadsheet_formulas_in_titles_are_neutralised_in_csv(tmp_path: Path) -> None:
    from indexer.index import index_records

    records = []
    for n, formula in enumerate(FORMULAS):
        record = empty_record(f"https://example.gov.vn/tin-tuc/cong-thuc-{n}.html")
        record.update(
            kind="article",
            title=formula,
            body=f"Bài viết thử nghiệm công thức số {n}. {formula}",
            author=formula,
            portal="example",
            published="2021-01-26",
            fetched="2026-11-26T10:00:00Z",
        )
        records.append(record)
    index_records(tmp_path / "index", records)
    out = tmp_path / "x.csv"
    run_cli("export", "thử nghiệm", "-o", str(out), data=tmp_path)
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert len(rows) == len(FORMULAS)
    for row in rows:
        for field in ("title", "author", "body"):
            value = row[field]
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (field, value)


def test_a_carriage_return_in_a_value_keeps_the_csv_row_whole(tmp_path: Path) -> None:
    from indexer.index import index_records

    record = empty_record("https://example.gov.vn/tin-tuc/cr-1.html")
    record.update(kind="article", title="\r=1+1 thử nghiệm", body="thử nghiệm", portal="example")
    index_records(tmp_path / "index", [record])
    out = tmp_path / "x.csv"
    run_cli("export", "thử nghiệm", "-o", str(out), data=tmp_path)
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert len(rows) == 1 and rows[0]["url"] == record["url"]

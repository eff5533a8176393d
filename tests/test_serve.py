"""`govarchive serve`: the search page answered in-process through WSGI, and over loopback."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import re
import shutil
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit
from wsgiref.util import setup_testing_defaults

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from indexer.index import index_records
from scraper.capture_index import CaptureIndex
from scraper.layout import DataLayout
from scraper.record import RECORD_FIELDS, empty_record
from search_cli.web.app import SearchApp
from search_cli.web.replay import REPLAY_CSP

WARC_NAME = "govarchive-20261126000000000-00000-1.warc.gz"
PORTAL = "https://portal.example.gov.vn"
EVIL_TITLE = '<script>alert("x")</script> Đại hội & <b>bold</b>'

ARTICLE_HTML = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Đại hội Đảng bộ</title>
<base href="/tin-tuc/">
<link rel="stylesheet" href="/themes/site.css">
<script src="/js/app.js"></script>
<script>document.title = "pwned"</script>
<meta http-equiv="refresh" content="0; url=https://evil.example/">
</head>
<body onload="steal()">
<h1>Đại hội Đảng bộ tỉnh lần thứ XII</h1>
<p><a href="dai-hoi-2.html">Bài liên quan đã lưu</a></p>
<p><a href="https://elsewhere.example/page">Trang ngoài</a></p>
<p><a href="javascript:alert(1)">Liên kết script</a></p>
<img src="/uploads/anh.png" alt="ảnh"> <img src="https://tracker.example/pixel.gif" alt="x">
<iframe src="https://video.example/embed"></iframe>
<form action="https://evil.example/post"><input name="q"></form>
</body></html>
"""

SECOND_HTML = "<html><body><h1>Bài liên quan</h1><p>Đại hội lần hai.</p></body></html>"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a48b0000000049454e44ae426082"
)


@dataclass
class Archive:
    """A tiny archive on disk: WARC, capture index, Whoosh index, and where things are."""

    layout: DataLayout
    locations: dict[str, tuple[str, int]]


def _write_response(
    writer: WARCWriter,
    fh: io.BufferedWriter,
    url: str,
    body: bytes,
    content_type: str,
    *,
    gzip_body: bool = False,
) -> int:
    headers = [("Content-Type", content_type)]
    payload = body
    if gzip_body:
        payload = gzip.compress(body)
        headers.append(("Content-Encoding", "gzip"))
    headers.append(("Content-Length", str(len(payload))))
    http = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
    record = writer.create_warc_record(
        url,
        "response",
        payload=io.BytesIO(payload),
        length=len(payload),
        http_headers=http,
        warc_headers_dict={"WARC-Date": "2026-11-20T03:04:05Z"},
    )
    offset = fh.tell()
    writer.write_record(record)
    return offset


def article_url(n: int) -> str:
    """URL of the n-th test article."""
    return f"{PORTAL}/tin-tuc/dai-hoi-{n}.html"


def make_records(locations: dict[str, tuple[str, int]]) -> list[dict[str, Any]]:
    """Records for the test archive: articles, a document, an attachment-only match."""
    records = []
    for n in range(1, 31):
        url = article_url(n)
        warc_file, offset = locations.get(url, (None, None))
        records.append(
            empty_record(
                url,
                portal="tayninh" if n % 3 else "trangbang",
                kind="article",
                title=EVIL_TITLE if n == 1 else f"Đại hội chi bộ số {n}",
                published=f"{2019 + n % 4}-0{1 + n % 9}-1{n % 10}T08:00:00+07:00",
                author="Minh Anh" if n % 2 else "Thu Trang",
                summary="Tóm tắt về đại hội.",
                body=f'Đại hội đại biểu lần thứ {n} diễn ra.\n\n=HYPERLINK("http://x") cuối bài.',
                category="Tin tức",
                tags=["đại hội", "đảng bộ"],
                cms="nukeviet",
                fetched="2026-11-20T03:04:05Z",
                digest=f"sha1:TEST{n:04d}",
                warc_file=warc_file,
                warc_offset=offset,
            )
        )
    records.append(
        empty_record(
            f"{PORTAL}/van-ban/45-cv-btgtu.html",
            portal="tayninh",
            kind="document",
            title="Công văn về việc tổ chức hội nghị",
            published="2021-03-04",
            signer="Nguyễn Văn Bình",
            body="Kính gửi các đơn vị.",
            doc_number="45-CV/BTGTU",
            doc_type="Công văn",
            attachments=[
                {
                    "url": f"{PORTAL}/uploads/45-cv.pdf",
                    "title": "45-CV.pdf",
                    "text": "Kế hoạch tổ chức đại hội thi đua yêu nước.",
                    "pages": 2,
                    "ocr": False,
                    "sha1": "abc",
                }
            ],
            fetched="2026-11-20T03:04:05Z",
        )
    )
    records.append(
        empty_record(
            f"{PORTAL}/tin-tuc/lien-ket-xau.html",
            kind="article",
            title="Bài có tệp đính kèm lạ",
            body="Nội dung hội thảo.",
            attachments=[{"url": "javascript:alert(1)", "title": "tệp lạ"}],
        )
    )
    records.append({"url": f"{PORTAL}/cu/bai-thieu-truong.html", "body": "Tọa đàm thiếu trường."})
    return records


def build_archive(root: Path) -> Archive:
    """Write a WARC with captures, the capture index and the search index under `root`."""
    layout = DataLayout(root).ensure()
    locations: dict[str, tuple[str, int]] = {}
    with open(layout.warc / WARC_NAME, "wb") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="1.1")
        captures = [
            (article_url(1), ARTICLE_HTML.encode(), "text/html; charset=utf-8", True),
            (article_url(2), SECOND_HTML.encode(), "text/html", False),
            (f"{PORTAL}/uploads/anh.png", PNG, "image/png", False),
            (f"{PORTAL}/themes/site.css", b"h1{color:red}", "text/css", False),
            (f"{PORTAL}/uploads/45-cv.pdf", b"%PDF-1.4 fake", "application/pdf", False),
        ]
        for url, body, content_type, gz in captures:
            locations[url] = (
                WARC_NAME,
                _write_response(writer, fh, url, body, content_type, gzip_body=gz),
            )
    with CaptureIndex(layout.state / "captures.sqlite") as index:
        for url, (warc_file, offset) in locations.items():
            index.record(
                url,
                status=200,
                digest="sha1:X",
                fetched="2026-11-20T03:04:05Z",
                warc_file=warc_file,
                warc_offset=offset,
            )
    index_records(layout.index, make_records(locations))
    return Archive(layout, locations)


@dataclass
class WsgiResponse:
    """What the app answered."""

    status: int
    headers: dict[str, str]
    body: bytes
    chunks: int

    @property
    def text(self) -> str:
        """The body as UTF-8."""
        return self.body.decode("utf-8")


def call(app: SearchApp, path: str, method: str = "GET") -> WsgiResponse:
    """One in-process WSGI request."""
    target, _, query = path.partition("?")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": target.encode("utf-8").decode("latin-1"),
        "QUERY_STRING": query,
    }
    setup_testing_defaults(environ)
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        captured["status"] = int(status.split()[0])
        captured["headers"] = {k.lower(): v for k, v in headers}

    result = app(environ, start_response)
    chunks = list(result)
    if hasattr(result, "close"):
        result.close()
    return WsgiResponse(captured["status"], captured["headers"], b"".join(chunks), len(chunks))


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    """The test archive, built once."""
    return build_archive(tmp_path_factory.mktemp("serve-archive"))


@pytest.fixture(scope="module")
def app(archive: Archive) -> SearchApp:
    """The WSGI app over the test archive."""
    return SearchApp(archive.layout)


def search_url(**params: Any) -> str:
    """`/?...` for the given parameters."""
    return "/?" + urlencode(params)


# Search page


def test_search_without_accents_finds_accented_words(app: SearchApp) -> None:
    response = call(app, search_url(q="dai hoi"))
    assert response.status == 200
    assert "<mark>Đại</mark> <mark>hội</mark>" in response.text
    assert re.search(r"<strong>3[01]</strong> kết quả", response.text)


def test_title_with_script_is_shown_as_text(app: SearchApp) -> None:
    response = call(app, search_url(q="dai hoi", sort="oldest", limit=100))
    assert "<script>alert" not in response.text
    assert (
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Đại hội &amp; &lt;b&gt;bold&lt;/b&gt;"
        in response.text
    )


def test_record_page_escapes_every_field(app: SearchApp) -> None:
    response = call(app, "/record?url=" + quote(article_url(1)))
    assert response.status == 200
    assert "<script>" not in response.text
    assert "&lt;script&gt;" in response.text
    for field in RECORD_FIELDS:
        assert f"<code>{field}</code>" in response.text


def test_pages_forbid_scripts(app: SearchApp) -> None:
    response = call(app, search_url(q="dai hoi"))
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"


def test_every_hit_shows_title_date_portal_author(app: SearchApp) -> None:
    response = call(app, search_url(q="45-CV/BTGTU"))
    assert "Công văn về việc tổ chức hội nghị" in response.text
    assert "04/03/2021" in response.text
    assert "Số 45-CV/BTGTU" in response.text
    assert "Nguyễn Văn Bình" in response.text
    assert "tayninh" in response.text


def test_attachment_hit_is_marked(app: SearchApp) -> None:
    response = call(app, search_url(q="thi đua yêu nước"))
    assert response.status == 200
    assert "Trong tệp đính kèm" in response.text
    assert "<mark>thi</mark> <mark>đua</mark>" in response.text


def test_exact_switch_is_kept_in_the_url_and_form(app: SearchApp) -> None:
    response = call(app, search_url(q="Đại hội", exact=1))
    assert response.status == 200
    assert 'name="exact" value="1" checked' in response.text
    assert "exact=1" in response.text  # paging, facets and export keep it


def _links(html: str, cls: str) -> list[str]:
    section = html.split(f'class="{cls}"', 1)[1]
    return [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', section)]


def test_portal_names_come_from_the_registry(archive: Archive, tmp_path: Path) -> None:
    layout = DataLayout(tmp_path)
    shutil.copytree(archive.layout.root, tmp_path, dirs_exist_ok=True)
    layout.portals.write_text(
        '[[portal]]\nid = "trangbang"\nname = "Thị xã Trảng Bàng"\nurl = "https://tb.gov.vn/"\n',
        encoding="utf-8",
    )
    page = call(SearchApp(layout), search_url(q="dai hoi")).text
    assert '<span class="portal" title="trangbang">Thị xã Trảng Bàng</span>' in page
    assert '<option value="trangbang">Thị xã Trảng Bàng</option>' in page
    facet = re.search(r'href="([^"]+portal=trangbang)">([^<]+)</a>', page)
    assert facet.group(2) == "Thị xã Trảng Bàng"


def test_facet_links_narrow_the_search(app: SearchApp) -> None:
    page = call(app, search_url(q="dai hoi")).text
    facet_section = page.split('aria-label="Lọc kết quả"', 1)[1].split("</aside>", 1)[0]
    links = [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', facet_section)]
    portal_link = next(link for link in links if "portal=trangbang" in link)
    year_link = next(link for link in links if "from=2020" in link)
    kind_link = next(link for link in links if "kind=article" in link)
    assert parse_qs(urlsplit(portal_link).query)["q"] == ["dai hoi"]
    narrowed = call(app, portal_link).text
    count = int(re.search(r"<strong>(\d+)</strong> kết quả", narrowed).group(1))
    assert count == 10
    assert "Cổng: trangbang" in narrowed  # a chip to remove the filter
    assert set(re.findall(r'class="portal" title="([^"]+)"', narrowed)) == {"trangbang"}
    year_page = call(app, year_link).text
    assert set(re.findall(r'<time datetime="(\d{4})', year_page)) == {"2020"}
    assert call(app, kind_link).status == 200


def test_paging_links_keep_query_and_filters(app: SearchApp) -> None:
    page = call(app, search_url(q="dai hoi", portal="tayninh", limit=5)).text
    pager = page.split('class="pager"', 1)[1]
    next_link = re.search(r'rel="next" href="([^"]+)"', pager).group(1).replace("&amp;", "&")
    query = parse_qs(urlsplit(next_link).query)
    assert query == {"q": ["dai hoi"], "portal": ["tayninh"], "limit": ["5"], "page": ["2"]}
    assert '<strong aria-current="page">2</strong>' in call(app, next_link).text


def test_sort_by_newest_orders_by_date(app: SearchApp) -> None:
    page = call(app, search_url(q="dai hoi", sort="newest", limit=100)).text
    dates = re.findall(r'<time datetime="([^"]+)"', page)
    assert dates == sorted(dates, reverse=True)


def test_search_pages_are_cached_until_the_index_changes(tmp_path: Path) -> None:
    layout = DataLayout(tmp_path).ensure()
    index_records(
        layout.index, [empty_record("https://x.gov.vn/1", kind="article", title="Đại hội một")]
    )
    app = SearchApp(layout)
    first = call(app, search_url(q="dai hoi"))
    again = call(app, search_url(q="dai hoi"))
    assert (first.headers["x-cache"], again.headers["x-cache"]) == ("miss", "hit")
    assert re.fullmatch(r"search;dur=[\d.]+, render;dur=[\d.]+", first.headers["server-timing"])
    assert again.body == first.body
    index_records(
        layout.index, [empty_record("https://x.gov.vn/2", kind="article", title="Đại hội hai")]
    )
    fresh = call(app, search_url(q="dai hoi"))
    assert fresh.headers["x-cache"] == "miss"
    assert "<strong>2</strong> kết quả" in fresh.text


def test_facets_are_counted_once_per_query_and_filters(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    import search_cli.web.app as web_app

    asked: list[bool] = []
    real_search = web_app.search

    def spy(*args: Any, **kwargs: Any) -> Any:
        asked.append(kwargs["facets"])
        return real_search(*args, **kwargs)

    monkeypatch.setattr(web_app, "search", spy)
    app = SearchApp(archive.layout)
    first = call(app, search_url(q="dai hoi", limit=5))
    second = call(app, search_url(q="dai hoi", limit=5, page=2, sort="newest"))
    other = call(app, search_url(q="dai hoi", portal="tayninh"))
    assert asked == [True, False, True]
    facets = [
        p.text.split("</aside>")[0].split('aria-label="Lọc kết quả"')[1] for p in (first, second)
    ]
    assert facets[0] == facets[1].replace("sort=newest&amp;", "").replace("&amp;sort=newest", "")
    assert "portal=trangbang" not in other.text.split("</aside>")[0]


def test_page_cache_can_be_turned_off(archive: Archive) -> None:
    app = SearchApp(archive.layout, cache_pages=0)
    call(app, search_url(q="dai hoi"))
    assert call(app, search_url(q="dai hoi")).headers["x-cache"] == "miss"


def test_empty_query_shows_the_help(app: SearchApp) -> None:
    response = call(app, "/")
    assert response.status == 200
    assert "Chính xác dấu" in response.text and "Tìm kiếm" in response.text


def test_every_example_on_the_help_page_runs(app: SearchApp) -> None:
    from search_cli.web.app import EXAMPLES

    page = call(app, "/").text
    for example, _ in EXAMPLES:
        link = "/?q=" + quote(example, safe="")
        assert f'href="{link}"' in page
        assert call(app, link).status == 200, example


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("q=x&page=-1", "page"),
        ("q=x&page=abc", "page"),
        ("q=x&page=100000", "page"),
        ("q=x&limit=1000000", "limit"),
        ("q=x&limit=0", "limit"),
        ("q=x&limit=100&page=101", "Xuất CSV"),
        ("q=x&from=junk", "junk"),
        ("q=x&to=2021-13-45", "2021-13-45"),
        ("q=x&sort=random", "random"),
        ("q=x&kind=video", "video"),
        ("q=x&exact=maybe", "exact"),
        ("q=%ff%fe", "UTF-8"),
        ("q=" + "a" * 600, "q"),
    ],
)
def test_bad_parameters_get_400_with_a_message(app: SearchApp, query: str, message: str) -> None:
    response = call(app, "/?" + query)
    assert response.status == 400
    assert message in response.text
    assert "Traceback" not in response.text


def test_query_with_nothing_to_search_is_a_400_page(app: SearchApp) -> None:
    response = call(app, search_url(q='""'))
    assert response.status == 400
    assert "Truy vấn không còn từ nào" in response.text


def test_page_beyond_the_last_says_so(app: SearchApp) -> None:
    response = call(app, search_url(q="dai hoi", page=50))
    assert response.status == 200
    assert "Trang này không có kết quả" in response.text


def test_unknown_path_is_404_and_post_is_405(app: SearchApp) -> None:
    assert call(app, "/nope").status == 404
    assert call(app, "/", method="POST").status == 405


def test_missing_index_gets_a_friendly_page(tmp_path: Path) -> None:
    app = SearchApp(DataLayout(tmp_path / "empty"))
    response = call(app, search_url(q="dai hoi"))
    assert response.status == 503
    assert "chưa có chỉ mục" in response.text
    assert "govarchive crawl" in response.text
    assert call(app, "/record?url=x").status == 503
    assert call(app, "/export.csv?q=x").status == 503


def test_internal_error_is_a_page_not_a_traceback(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = SearchApp(archive.layout, cache_pages=0)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret detail")

    monkeypatch.setattr("search_cli.web.app.search", broken)
    response = call(app, search_url(q="dai hoi"))
    assert response.status == 500
    assert "secret detail" not in response.text and "Traceback" not in response.text


# Record page and replay


def test_record_page_shows_attachments_with_text_and_archive_link(
    app: SearchApp, archive: Archive
) -> None:
    response = call(app, "/record?url=" + quote(f"{PORTAL}/van-ban/45-cv-btgtu.html"))
    assert "Kế hoạch tổ chức đại hội thi đua yêu nước." in response.text
    pdf_location = archive.locations[f"{PORTAL}/uploads/45-cv.pdf"]
    assert f"/replay/{pdf_location[0]}/{pdf_location[1]}" in response.text


def test_record_page_links_only_web_urls(app: SearchApp) -> None:
    page = call(app, "/record?url=" + quote(f"{PORTAL}/tin-tuc/lien-ket-xau.html")).text
    assert 'href="javascript:' not in page
    assert "<code>javascript:alert(1)</code>" in page


def test_a_record_missing_fields_still_renders(app: SearchApp) -> None:
    assert "<mark>Tọa</mark> <mark>đàm</mark>" in call(app, search_url(q="toa dam")).text
    page = call(app, "/record?url=" + quote(f"{PORTAL}/cu/bai-thieu-truong.html"))
    assert page.status == 200 and "Tọa đàm thiếu trường." in page.text


def test_record_page_unknown_url_is_404(app: SearchApp) -> None:
    assert call(app, "/record?url=" + quote("https://nowhere.example/")).status == 404
    assert call(app, "/record").status == 400


def test_back_link_only_goes_to_a_search(app: SearchApp) -> None:
    url = quote(article_url(2))
    assert 'href="/?q=dai+hoi"' in call(app, f"/record?url={url}&back=" + quote("/?q=dai+hoi")).text
    evil = call(app, f"/record?url={url}&back=" + quote("javascript:alert(1)")).text
    assert "javascript:" not in evil


def test_capture_page_has_banner_and_sandboxed_frame(app: SearchApp, archive: Archive) -> None:
    response = call(app, "/capture?url=" + quote(article_url(1)))
    assert response.status == 200
    assert "Đây là bản lưu trữ" in response.text
    assert "20/11/2026 10:04" in response.text  # WARC-Date in Vietnam time
    warc_file, offset = archive.locations[article_url(1)]
    assert f'<iframe class="replay" sandbox src="/replay/{warc_file}/{offset}"' in response.text


def test_replay_has_sandbox_headers(app: SearchApp, archive: Archive) -> None:
    warc_file, offset = archive.locations[article_url(1)]
    response = call(app, f"/replay/{warc_file}/{offset}")
    assert response.status == 200
    assert response.headers["content-security-policy"] == REPLAY_CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-type"] == "text/html; charset=utf-8"


def test_replay_is_decoded_and_stripped_of_scripts(app: SearchApp, archive: Archive) -> None:
    warc_file, offset = archive.locations[article_url(1)]
    html = call(app, f"/replay/{warc_file}/{offset}").text
    assert "Đại hội Đảng bộ tỉnh lần thứ XII" in html  # gzip content-decoded, UTF-8
    assert "<script" not in html.lower()
    assert "onload" not in html and "javascript:" not in html
    assert "refresh" not in html and "evil.example" not in html.replace('data-archive-href="', "")
    assert "<base" not in html


def test_replay_links_stay_inside_the_archive(app: SearchApp, archive: Archive) -> None:
    warc_file, offset = archive.locations[article_url(1)]
    html = call(app, f"/replay/{warc_file}/{offset}").text
    second = archive.locations[article_url(2)]
    image = archive.locations[f"{PORTAL}/uploads/anh.png"]
    css = archive.locations[f"{PORTAL}/themes/site.css"]
    assert f'href="/replay/{second[0]}/{second[1]}"' in html  # relative to <base>, archived
    assert f'src="/replay/{image[0]}/{image[1]}"' in html
    assert f'href="/replay/{css[0]}/{css[1]}"' in html
    assert 'data-archive-href="https://elsewhere.example/page"' in html
    assert "govarchive-not-archived" in html
    assert "tracker.example" not in html and "video.example" not in html
    hrefs = re.findall(r'\shref="([^"]+)"', html)
    assert all(h.startswith("/replay/") for h in hrefs), hrefs


def test_replay_by_url_and_binary_captures(app: SearchApp) -> None:
    image = call(app, "/replay?url=" + quote(f"{PORTAL}/uploads/anh.png"))
    assert image.status == 200 and image.body == PNG
    assert image.headers["content-type"] == "image/png"
    assert image.headers["content-security-policy"] == REPLAY_CSP
    pdf = call(app, "/replay?url=" + quote(f"{PORTAL}/uploads/45-cv.pdf"))
    assert pdf.headers["content-disposition"].startswith("attachment")


@pytest.mark.parametrize(
    "path",
    [
        "/replay/../../etc/passwd/0",
        f"/replay/{quote('../state/captures.sqlite')}/0",
        f"/replay/{WARC_NAME}/3",
        f"/replay/{WARC_NAME}/99999999",
        "/replay/nothing.warc.gz/0",
        "/replay?url=" + quote("https://not-archived.example/"),
        "/capture?url=" + quote("https://not-archived.example/"),
    ],
)
def test_replay_of_anything_else_is_404(app: SearchApp, path: str) -> None:
    response = call(app, path)
    assert response.status == 404
    assert "Traceback" not in response.text


# Export


def test_export_csv_streams_every_hit_excel_safe(app: SearchApp) -> None:
    response = call(app, "/export.csv?" + urlencode({"q": "dai hoi", "limit": 5, "page": 3}))
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert "content-length" not in response.headers  # streamed
    text = response.body.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert len(rows) == 31  # every hit, not one page
    assert set(RECORD_FIELDS) <= set(rows[0])
    assert all(row["body"].count("'=HYPERLINK") == 0 for row in rows)  # formula only at cell start
    evil = next(row for row in rows if row["url"] == article_url(1))
    assert evil["title"] == EVIL_TITLE


def test_export_csv_neutralises_formulas(app: SearchApp, tmp_path: Path) -> None:
    layout = DataLayout(tmp_path).ensure()
    index_records(
        layout.index, [empty_record("https://x.gov.vn/1", kind="article", title="=1+2 đại hội")]
    )
    text = call(SearchApp(layout), "/export.csv?q=dai+hoi").text
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0]["title"] == "'=1+2 đại hội"


def test_export_jsonl_has_every_field(app: SearchApp) -> None:
    response = call(app, "/export.jsonl?" + urlencode({"q": "dai hoi", "portal": "trangbang"}))
    assert response.status == 200
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert len(lines) == 10
    assert all(set(RECORD_FIELDS) <= set(line) for line in lines)


def test_export_links_carry_the_filters(app: SearchApp) -> None:
    page = call(app, search_url(q="dai hoi", portal="tayninh", sort="newest", page=2, limit=5)).text
    link = re.search(r'href="(/export\.csv\?[^"]+)"', page).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(link).query) == {
        "q": ["dai hoi"],
        "portal": ["tayninh"],
        "sort": ["newest"],
    }


def test_export_rejects_bad_parameters(app: SearchApp) -> None:
    assert call(app, "/export.csv").status == 400
    assert call(app, "/export.csv?q=x&sort=bogus").status == 400
    assert call(app, "/export.jsonl?q=%22%22").status == 400


def test_export_streams_in_chunks(app: SearchApp, tmp_path: Path) -> None:
    layout = DataLayout(tmp_path).ensure()
    records = (
        empty_record(
            f"https://x.gov.vn/{n}", kind="article", title=f"Đại hội {n}", body="chữ " * 400
        )
        for n in range(400)
    )
    index_records(layout.index, records)
    response = call(SearchApp(layout), "/export.csv?q=dai+hoi")
    assert response.chunks > 3
    assert response.body.count(b"\r\n") >= 401


def test_export_stops_when_the_client_goes_away(archive: Archive) -> None:
    app = SearchApp(archive.layout)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/export.csv",
        "QUERY_STRING": "q=dai+hoi",
    }
    setup_testing_defaults(environ)
    body = app(environ, lambda *a: None)
    next(iter(body))
    body.close()
    assert not any(t.name == "govarchive-export" for t in threading.enumerate())


# Over a real socket


@pytest.fixture
def live_server(archive: Archive) -> Iterator[str]:
    """The app served by the real server on an ephemeral loopback port."""
    from search_cli.web.server import make_server

    server = make_server("127.0.0.1", 0, SearchApp(archive.layout))
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_server_answers_on_loopback(live_server: str) -> None:
    with urllib.request.urlopen(live_server + "/?q=dai+hoi", timeout=10) as response:
        assert response.status == 200
        assert "Đại hội" in response.read().decode("utf-8")
    with urllib.request.urlopen(live_server + "/static/style.css", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/css")
    with urllib.request.urlopen(live_server + "/export.csv?q=dai+hoi", timeout=10) as response:
        rows = list(csv.reader(io.StringIO(response.read().decode("utf-8-sig"))))
        assert len(rows) == 32


def test_idle_connections_do_not_block_searches(live_server: str) -> None:
    # Browsers open connections ahead of need; one request computes at a time per process.
    host, port = live_server.removeprefix("http://").split(":")
    idle = [socket.create_connection((host, int(port)), timeout=5) for _ in range(3)]
    try:
        started = time.monotonic()
        with urllib.request.urlopen(live_server + "/?q=dai+hoi", timeout=10) as response:
            assert response.status == 200
        assert time.monotonic() - started < 2
        results: list[int] = []

        def fetch() -> None:
            with urllib.request.urlopen(live_server + "/?q=tuyen+truyen", timeout=20) as r:
                results.append(r.status)

        threads = [threading.Thread(target=fetch) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert results == [200] * 8
        idle[0].sendall(b"GET /robots.txt HTTP/1.0\r\n\r\n")  # a late request still answered
        assert idle[0].recv(64).startswith(b"HTTP/1.0 200")
    finally:
        for sock in idle:
            sock.close()


def test_a_worker_that_dies_is_replaced(archive: Archive) -> None:
    import signal
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    server = subprocess.Popen(
        [sys.executable, "-m", "search_cli", "--data", str(archive.layout.root), "serve",
         "--port", "0", "--workers", "2"],
        cwd=root, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip

    def workers() -> list[int]:
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == server.pid and fields[0] != "Z":
                    found.append(int(entry.name))
        return sorted(found)

    try:
        line = server.stderr.readline()
        url = re.search(r"http://\S+/", line).group(0)
        deadline = time.monotonic() + 10
        while len(workers()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        first = workers()
        assert len(first) == 2
        os.kill(first[0], signal.SIGKILL)
        deadline = time.monotonic() + 10
        after = workers()
        while (len(after) < 2 or first[0] in after) and time.monotonic() < deadline:
            time.sleep(0.05)
            after = workers()  # one snapshot per look: a killed process lingers a moment
        assert len(after) == 2 and first[0] not in after and first[1] in after
        for _ in range(6):  # whichever worker takes it, the search is answered
            with urllib.request.urlopen(url + "?q=dai+hoi", timeout=10) as response:
                assert response.status == 200
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
    assert not workers()


def test_serve_command_binds_loopback_by_default() -> None:
    from search_cli.commands_serve import COMMANDS, serve_command

    assert serve_command in COMMANDS
    options = {p.name: p for p in serve_command.params}
    assert options["host"].default == "127.0.0.1"
    assert options["port"].default == 8080
    assert "Example:" in (serve_command.help or "")

"""The offline replica portal: pages, status codes, feeds, validators and the parser traps."""

from __future__ import annotations

import gzip
import subprocess
import sys
import unicodedata
import urllib.error
import urllib.request
from typing import Any

import pytest
from lxml import etree, html

from scraper.replica import ReplicaPortal

CATEGORIES = [
    {"alias": "tin-hoat-dong", "title": "Tin hoạt động"},
    {"alias": "cai-cach-hanh-chinh", "title": "Cải cách hành chính"},
]

SEED_TITLE = (
    "Tăng cường công tác thông tin, tuyên truyền Đại hội đại biểu toàn quốc lần thứ XIII của Đảng"
)


def _article(aid: int, **fields: Any) -> dict[str, Any]:
    """One sample article; January 2021 days count down with the id."""
    day = 26 - (aid % 20)
    base = {
        "id": aid,
        "category": "tin-hoat-dong",
        "alias": f"bai-viet-so-{aid}",
        "title": f"Bài viết số {aid} về công tác tuyên truyền",
        "published": f"2021-01-{day:02d}T08:30:00+07:00",
        "edited": f"2021-01-{day:02d}T10:00:00+07:00",
        "hometext": f"Tóm tắt bài viết số {aid}.",
        "paragraphs": [f"Đoạn một của bài {aid}.", f"Đoạn hai của bài {aid}."],
        "author_style": "none",
        "author": None,
        "source": None,
        "signature_format": None,
        "tags": [],
        "views": aid,
        "comments": 0,
        "admin_login": "admin_tb",
        "attachments": [],
    }
    base.update(fields)
    return base


SEED = _article(
    100,
    alias="tang-cuong-cong-tac-thong-tin-tuyen-truyen-dai-hoi-xiii",
    title=SEED_TITLE,
    published="2021-01-26T17:00:00+07:00",
    edited="2021-01-28T09:12:00+07:00",
    hometext="Công tác tuyên truyền Đại hội XIII của Đảng là nhiệm vụ chính trị đặc biệt quan trọng.",
    paragraphs=[
        "Ngày 21/01/2021, Ban Tuyên giáo Thị ủy ban hành Công văn số 45-CV/BTGTU.",
        "Tổ chức triển khai tuyên truyền, lan toả thông tin về Đại hội XIII của Đảng.",
    ],
    author_style="signature",
    author="Thanh Vi-BTG Thị ủy",
    signature_format="bold-right",
    tags=["Đại hội XIII", "tuyên truyền"],
    views=1234,
    comments=2,
    admin_login="admin_tb",
    attachments=[{"file": "45-cv-btgtu.pdf", "title": "Công văn 45-CV/BTGTU"}],
)

ARTICLES = [
    SEED,
    *[_article(i) for i in range(1, 12)],
    _article(
        20,
        category="cai-cach-hanh-chinh",
        author_style="block",
        author="Minh Châu",
        source="Phòng VH-TT",
        text_form="nfd",
    ),
    _article(21, category="cai-cach-hanh-chinh", author_style="source", source="Báo Tây Ninh"),
    _article(
        22,
        category="cai-cach-hanh-chinh",
        author_style="theo",
        source="Báo Tây Ninh",
        signature_format="right",
        text_form="entities",
    ),
    _article(
        23,
        category="cai-cach-hanh-chinh",
        author_style="signature",
        author="Minh Châu (Phòng VH-TT)",
        signature_format="bold",
    ),
]

LAWS = [
    {
        "id": 1,
        "alias": "cong-van-45-cv-btgtu",
        "title": "Công văn 45-CV/BTGTU",
        "abstract": "Về tăng cường công tác thông tin, tuyên truyền Đại hội XIII của Đảng",
        "number": "45-CV/BTGTU",
        "doc_type": "Công văn",
        "field": "Tuyên truyền",
        "issuer": "Ban Tuyên giáo Thị ủy",
        "signer": "Nguyễn Văn A",
        "issued": "2021-01-21",
        "effective": "2021-01-21",
        "expires": None,
        "status": "Còn hiệu lực",
        "paragraphs": ["Ban Tuyên giáo Thị ủy đề nghị các cấp ủy Đảng triển khai."],
        "attachments": [{"file": "45-cv-btgtu.pdf", "title": "Công văn 45-CV/BTGTU"}],
    },
    {
        "id": 2,
        "alias": "quyet-dinh-khong-so",
        "title": "Quyết định về việc thành lập Tổ công tác",
        "abstract": "Thành lập Tổ công tác cải cách hành chính thị xã",
        "number": "Không số",
        "doc_type": "Quyết định",
        "field": "Cải cách hành chính",
        "issuer": "UBND thị xã Trảng Bàng",
        "signer": "Trần Văn B",
        "issued": None,
        "effective": None,
        "expires": None,
        "status": "Còn hiệu lực",
        "paragraphs": [],
        "attachments": [],
    },
]

CONTENT = {
    "name": "Cổng thông tin điện tử Thị xã Trảng Bàng",
    "categories": CATEGORIES,
    "articles": ARTICLES,
    "laws": LAWS,
}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    """GET without following redirects: status, headers, body."""
    request = urllib.request.Request(url, headers=headers)
    try:
        with _OPENER.open(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def page(url: str) -> html.HtmlElement:
    """Fetch a 200 page and parse it."""
    status, _, body = fetch(url)
    assert status == 200, url
    return html.fromstring(body)


@pytest.fixture(scope="module")
def portal() -> Any:
    with ReplicaPortal(content=CONTENT) as running:
        yield running


@pytest.fixture
def fresh_portal() -> Any:
    with ReplicaPortal(content=CONTENT) as running:
        yield running


def test_url_has_no_trailing_slash(portal: ReplicaPortal) -> None:
    assert portal.url.startswith("http://127.0.0.1:")
    assert not portal.url.endswith("/")


def test_home_has_egov_chrome(portal: ReplicaPortal) -> None:
    doc = page(portal.url + "/")
    assert doc.xpath("//meta[@name='generator']/@content") == ["NukeViet v4.4"]
    menu = doc.xpath("//ul[contains(@class,'navbar-nav')]//a/@href")
    assert "/tin-tuc/tin-hoat-dong/" in menu and "/van-ban/" in menu
    counter = doc.cssselect("ul.counter li span:first-child")
    labels = [s.text_content().strip() for s in counter]
    assert labels == [
        "Đang truy cập",
        "Máy chủ tìm kiếm",
        "Khách viếng thăm",
        "Hôm nay",
        "Tháng hiện tại",
        "Tổng lượt truy cập",
    ]
    assert doc.cssselect("#timeoutsess")
    assert "Powered by NukeViet eGovernment" in doc.text_content()
    assert SEED_TITLE in doc.text_content()


def test_category_pagination(portal: ReplicaPortal) -> None:
    first = page(portal.url + "/tin-tuc/tin-hoat-dong/")
    items = first.cssselect(".listpage h3 > a")
    assert len(items) == 10
    assert (
        items[0].get("href")
        == "/tin-tuc/tin-hoat-dong/tang-cuong-cong-tac-thong-tin-tuyen-truyen-dai-hoi-xiii-100.html"
    )
    assert (
        first.cssselect("ul.pagination a[rel=next]")[0].get("href")
        == "/tin-tuc/tin-hoat-dong/page-2/"
    )
    assert "26/01/2021 05:00:00 PM" in first.text_content()
    assert "Đã xem: 1234" in first.text_content()
    second = page(portal.url + "/tin-tuc/tin-hoat-dong/page-2/")
    assert len(second.cssselect(".listpage h3 > a")) == 2
    assert second.cssselect("ul.pagination a[rel=prev]")[0].get("href") == "/tin-tuc/tin-hoat-dong/"
    assert not second.cssselect("ul.pagination a[rel=next]")
    assert fetch(portal.url + "/tin-tuc/tin-hoat-dong/page-3/")[0] == 404
    status, headers, _ = fetch(portal.url + "/tin-tuc/tin-hoat-dong/page-1/")
    assert (status, headers["Location"]) == (301, "/tin-tuc/tin-hoat-dong/")


def test_article_carries_the_traps(portal: ReplicaPortal) -> None:
    doc = page(portal.article_url(100))
    detail = doc.cssselect("div.news_column.panel.newsdetail")[0]
    assert detail.get("itemtype") == "http://schema.org/NewsArticle"
    assert doc.cssselect("h1[itemprop=headline]")[0].text_content() == SEED_TITLE
    meta_spans = [s.text_content().strip() for s in doc.cssselect(".newsdetailmetatop span.h5")]
    assert meta_spans == ["Thứ ba - 26/01/2021 17:00", "1.234", "2"]
    assert doc.xpath("//span[@itemprop='datePublished']/text()") == ["2021-01-28T09:12:00+07:00"]
    assert doc.xpath("//meta[@property='article:published_time']/@content") == [
        "2021-01-26+0717:00:00"
    ]
    assert doc.xpath("//*[@itemprop='author']//*[@itemprop='name']/text()") == ["admin_tb"]
    assert doc.cssselect("div.hometext[itemprop=description]")
    body = doc.cssselect("div#news-bodyhtml.bodytext p")
    assert body[-1].text_content() in ("Thanh Vi-BTG Thị ủy", "\xa0")
    assert any(
        p.get("style") == "text-align:right" and p.text_content() == "Thanh Vi-BTG Thị ủy"
        for p in body
    )
    link = doc.cssselect(".news-download-file .list-group-item a")[0]
    assert link.text_content() == "Tập tin 1: Công văn 45-CV/BTGTU"
    assert link.get("href") == "/uploads/tin-tuc/2021_01/45-cv-btgtu.pdf"
    text = doc.text_content()
    for chrome in ("Từ khóa", "Ý kiến bạn đọc", "Những tin cũ hơn", "Tin mới nhất"):
        assert chrome in text
    assert doc.xpath("//a[@href='/tin-tuc/print/tin-hoat-dong/" + SEED["alias"] + "-100.html']")


def test_attachment_is_a_pdf(portal: ReplicaPortal) -> None:
    status, headers, body = fetch(portal.url + "/uploads/tin-tuc/2021_01/45-cv-btgtu.pdf")
    assert (status, headers["Content-Type"]) == (200, "application/pdf")
    assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF")


@pytest.mark.parametrize(
    ("article_id", "expected"),
    [
        (23, ("p", "Minh Châu (Phòng VH-TT)")),
        (22, ("p", "Theo Báo Tây Ninh")),
        (20, ("block", "Tác giả bài viết: Minh Châu", "Nguồn tin: Phòng VH-TT")),
        (21, ("block", "Nguồn tin: Báo Tây Ninh")),
        (1, ("none",)),
    ],
)
def test_author_styles(portal: ReplicaPortal, article_id: int, expected: tuple[str, ...]) -> None:
    doc = page(portal.article_url(article_id))
    paragraphs = [
        unicodedata.normalize("NFC", p.text_content())
        for p in doc.cssselect("#news-bodyhtml p")
        if p.text_content().strip()
    ]
    blocks = [
        unicodedata.normalize("NFC", " ".join(p.text_content().split()))
        for p in doc.cssselect("p.h5.text-right")
    ]
    if expected[0] == "p":
        assert paragraphs[-1] == expected[1]
        assert not blocks
    elif expected[0] == "block":
        assert blocks == list(expected[1:])
    else:
        assert not blocks and paragraphs[-1].startswith("Đoạn hai")


def test_text_forms(portal: ReplicaPortal) -> None:
    _, _, raw_nfd = fetch(portal.article_url(20))
    title_nfd = ARTICLES[-4]["title"]
    assert unicodedata.normalize("NFD", title_nfd).encode() in raw_nfd
    _, _, raw_entities = fetch(portal.article_url(22))
    assert b"&#7889;" in raw_entities or b"&#" in raw_entities
    doc = html.fromstring(raw_entities)
    assert doc.cssselect("h1")[0].text_content() == ARTICLES[-2]["title"]


def test_print_view_duplicates_the_article(portal: ReplicaPortal) -> None:
    doc = page(portal.url + "/tin-tuc/print/tin-hoat-dong/" + SEED["alias"] + "-100.html")
    assert doc.cssselect("h1")[0].text_content() == SEED_TITLE
    assert "Công văn số 45-CV/BTGTU" in doc.text_content()


def test_wrong_alias_redirects_and_unknown_is_404(portal: ReplicaPortal) -> None:
    status, headers, _ = fetch(portal.url + "/tin-tuc/cai-cach-hanh-chinh/sai-100.html")
    assert status == 301 and headers["Location"].endswith(SEED["alias"] + "-100.html")
    status, _, body = fetch(portal.url + "/khong-co-trang-nay")
    assert status == 404 and b"NukeViet v4.4" in body
    assert fetch(portal.url + "/tin-tuc/tin-hoat-dong/bai-999.html")[0] == 404


def test_laws_listing_and_detail(portal: ReplicaPortal) -> None:
    listing = page(portal.url + "/van-ban/")
    rows = listing.cssselect(".flex-table-laws .table-rows")[1:]
    assert [r.cssselect(".c-code a")[0].text for r in rows] == ["45-CV/BTGTU", "Không số"]
    assert rows[1].cssselect(".c-time")[0].text_content() == "Ngày ban hành:N/A"
    detail = page(portal.law_url(1))
    assert detail.cssselect("h1.lawh3")[0].text == "Công văn 45-CV/BTGTU"
    assert detail.cssselect("h1.lawh3 + p")[0].text.startswith("Về tăng cường")
    fields = {
        tr.cssselect("td.text-right")[0].text_content().strip(): tr.cssselect("td")[1]
        .text_content()
        .strip()
        for tr in detail.cssselect("tr")
    }
    assert fields["Số kí hiệu"] == "45-CV/BTGTU"
    assert fields["Ngày ban hành"] == "21/01/2021"
    assert fields["Ngày bắt đầu hiệu lực"] == "21/01/2021"
    assert "Ngày hết hiệu lực" not in fields
    assert fields["Người ký"] == "Nguyễn Văn A"
    href = detail.cssselect(".laws-download-file a")[0].get("href")
    assert href == "/uploads/van-ban/45-cv-btgtu.pdf"
    assert fetch(portal.url + href)[0] == 200


def test_rss_feeds(portal: ReplicaPortal) -> None:
    status, headers, body = fetch(portal.url + "/tin-tuc/rss/")
    assert status == 200 and "rss" in headers["Content-Type"]
    items = etree.fromstring(body).findall("./channel/item")
    assert len(items) == len(ARTICLES)
    assert items[0].findtext("pubDate") == "Tue, 26 Jan 2021 17:00:00 +0700"
    _, _, body = fetch(portal.url + "/tin-tuc/rss/cai-cach-hanh-chinh/")
    assert len(etree.fromstring(body).findall("./channel/item")) == 4


def test_sitemaps(portal: ReplicaPortal) -> None:
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    _, _, body = fetch(portal.url + "/sitemap.xml")
    locs = etree.fromstring(body).xpath("//s:loc/text()", namespaces=ns)
    assert portal.url + "/sitemap-vi.news.xml" in locs
    _, _, body = fetch(portal.url + "/sitemap-vi.news.xml")
    urls = etree.fromstring(body).xpath("//s:loc/text()", namespaces=ns)
    assert len(urls) == len(ARTICLES) and portal.article_url(100) in urls


def test_robots_txt(portal: ReplicaPortal) -> None:
    status, _, body = fetch(portal.url + "/robots.txt")
    text = body.decode()
    assert status == 200
    assert "Disallow: /admin/" in text and "Disallow: /tin-tuc/search/" in text
    assert f"Sitemap: {portal.url}/sitemap.xml" in text


def test_conditional_get_and_gzip(portal: ReplicaPortal) -> None:
    url = portal.article_url(100)
    status, headers, _ = fetch(url)
    assert status == 200
    assert headers["Last-Modified"] == "Thu, 28 Jan 2021 02:12:00 GMT"
    assert fetch(url, **{"If-None-Match": headers["ETag"]})[0] == 304
    assert fetch(url, **{"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    assert fetch(url, **{"If-None-Match": '"other"'})[0] == 200
    status, headers, body = fetch(url, **{"Accept-Encoding": "gzip"})
    assert headers["Content-Encoding"] == "gzip"
    assert SEED_TITLE.encode() in gzip.decompress(body)
    assert (
        fetch(portal.law_url(1), **{"If-None-Match": fetch(portal.law_url(1))[1]["ETag"]})[0] == 304
    )


def test_mutators(fresh_portal: ReplicaPortal) -> None:
    old_etag = fetch(fresh_portal.article_url(100))[1]["ETag"]
    new_url = fresh_portal.add_article(_article(500, published="2021-02-01T07:00:00+07:00"))
    assert fetch(new_url)[0] == 200
    first = page(fresh_portal.url + "/tin-tuc/tin-hoat-dong/").cssselect(".listpage h3 > a")
    assert first[0].get("href").endswith("-500.html")
    fresh_portal.edit_article(100, title="Tiêu đề đã sửa")
    status, headers, body = fetch(fresh_portal.article_url(100), **{"If-None-Match": old_etag})
    assert status == 200 and headers["ETag"] != old_etag and "Tiêu đề đã sửa".encode() in body
    fresh_portal.delete_article(100)
    assert (
        fetch(fresh_portal.url + "/tin-tuc/tin-hoat-dong/" + SEED["alias"] + "-100.html")[0] == 404
    )
    assert fetch(fresh_portal.url + "/uploads/tin-tuc/2021_01/45-cv-btgtu.pdf")[0] == 404


def test_faults_then_recovery(fresh_portal: ReplicaPortal) -> None:
    fresh_portal.set_fault("/tin-tuc/", [503, 500])
    url = fresh_portal.url + "/tin-tuc/"
    assert [fetch(url)[0] for _ in range(3)] == [503, 500, 200]
    assert ("GET", "/tin-tuc/", 503) in fresh_portal.requests


def test_default_content_site_is_fully_linked() -> None:
    content = pytest.importorskip("scraper.replica.content")
    site = content.load_site()
    with ReplicaPortal() as running:
        host = running.url
        seen = {host + "/"}
        queue = [host + "/"]
        failures = []
        while queue:
            url = queue.pop()
            status, headers, body = fetch(url)
            if status != 200:
                failures.append((status, url))
                continue
            if "text/html" not in headers.get("Content-Type", ""):
                continue
            for href in html.fromstring(body).xpath("//a/@href"):
                if href.startswith("/") and not href.startswith("/tin-tuc/search/"):
                    target = host + href.split("#")[0]
                    if target not in seen:
                        seen.add(target)
                        queue.append(target)
        assert failures == []
        for article in site.articles:
            assert running.article_url(article["id"]) in seen
        for law in site.laws:
            assert running.law_url(law["id"]) in seen


def test_module_entry_prints_url_and_serves() -> None:
    pytest.importorskip("scraper.replica.content")
    process = subprocess.Popen(
        [sys.executable, "-m", "scraper.replica", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert fetch(url + "/robots.txt")[0] == 200
    finally:
        process.terminate()
        process.wait(timeout=5)


def test_head_and_attachment_data() -> None:
    articles = [
        *ARTICLES[1:],
        {**SEED, "attachments": [{"file": "2021_01/kh.doc", "title": "Kế hoạch", "data": b"DOC"}]},
    ]
    with ReplicaPortal(content={**CONTENT, "articles": articles}) as running:
        status, headers, body = fetch(running.url + "/uploads/tin-tuc/2021_01/kh.doc")
        assert (status, body, headers["Content-Type"]) == (200, b"DOC", "application/msword")
        request = urllib.request.Request(running.article_url(100), method="HEAD")
        with _OPENER.open(request, timeout=5) as response:
            assert response.status == 200 and response.read() == b""
            assert int(response.headers["Content-Length"]) > 1000


def test_fault_can_drop_the_connection() -> None:
    with ReplicaPortal(content=CONTENT, faults={"/robots.txt": [0]}) as running:
        with pytest.raises((urllib.error.URLError, ConnectionError)):
            fetch(running.url + "/robots.txt")
        assert fetch(running.url + "/robots.txt")[0] == 200

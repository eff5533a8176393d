"""NukeViet parsers against saved pages: one test per field, one for unexpected fields."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest

from scraper.parsers import parse_page
from scraper.parsers.base import load_html
from scraper.parsers.listing import is_detail_url, is_listing
from scraper.parsers.registry import choose_parser
from scraper.record import RECORD_FIELDS

PAGES = Path(__file__).parent / "fixtures" / "pages"
FIXTURES = sorted(p.name for p in PAGES.glob("nukeviet*") if (p / "input.html").is_file())


@functools.cache
def fixture(name: str) -> tuple[str, bytes, dict[str, Any]]:
    directory = PAGES / name
    url = json.loads((directory / "meta.json").read_text(encoding="utf-8"))["url"]
    expected = json.loads((directory / "expected.json").read_text(encoding="utf-8"))
    return url, (directory / "input.html").read_bytes(), expected


@functools.cache
def parsed(name: str) -> dict[str, Any]:
    url, html, _ = fixture(name)
    return parse_page(url, html)


def _cases() -> list[tuple[str, str]]:
    return [(name, key) for name in FIXTURES for key in fixture(name)[2]]


def test_there_are_enough_fixtures() -> None:
    assert len(FIXTURES) >= 14


@pytest.mark.parametrize(("name", "key"), _cases(), ids=[f"{n}-{k}" for n, k in _cases()])
def test_field(name: str, key: str) -> None:
    assert parsed(name)[key] == fixture(name)[2][key]


@pytest.mark.parametrize("name", FIXTURES)
def test_no_unexpected_fields(name: str) -> None:
    assert set(parsed(name)) == set(fixture(name)[2])


@pytest.mark.parametrize("name", FIXTURES)
def test_records_carry_every_record_field(name: str) -> None:
    record = parsed(name)
    if record["kind"] != "listing":
        assert tuple(record) == RECORD_FIELDS


@pytest.mark.parametrize("name", FIXTURES)
def test_str_input_gives_the_same_record(name: str) -> None:
    url, html, _ = fixture(name)
    assert parse_page(url, html.decode("utf-8")) == parsed(name)


def test_hidden_microdata_date_is_not_the_published_time() -> None:
    html = fixture("nukeviet_egov_seed")[1]
    assert b'itemprop="datePublished">2021-01-27T08:12:45+07:00' in html
    assert b"2021-01-26+0717:00:00" in html
    assert parsed("nukeviet_egov_seed")["published"] == "2021-01-26T17:00:00+07:00"


def test_schema_org_admin_login_is_never_the_author() -> None:
    authors = {parsed(name).get("author") for name in FIXTURES}
    assert "admin_tx" not in authors


def test_signature_is_removed_from_the_body() -> None:
    record = parsed("nukeviet_egov_seed")
    assert record["author"] == "Thanh Vi-BTG Thị ủy"
    assert "Thanh Vi" not in record["body"]
    assert not record["body"].endswith("\n")


@pytest.mark.parametrize("name", FIXTURES)
def test_chrome_never_reaches_body_or_summary(name: str) -> None:
    record = parsed(name)
    text = "\n".join(filter(None, [record.get("body"), record.get("summary")]))
    for chrome in ("Thống kê truy cập", "Powered by NukeViet", "Thời gian chờ", "Ý kiến bạn đọc",
                   "Những tin cũ hơn", "Tập tin đính kèm", "TIM HIEU CCHC", "Từ khóa"):  # fmt: skip
        assert chrome not in text


@pytest.mark.parametrize(
    ("name", "cms"),
    [
        ("nukeviet_egov_seed", "nukeviet_news"),
        ("nukeviet_45_default_tac_gia", "nukeviet_news"),
        ("nukeviet_laws_44", "nukeviet_laws"),
        ("nukeviet_laws_45", "nukeviet_laws"),
        ("nukeviet_dispatch", "nukeviet_dispatch"),
    ],
)
def test_registry_detects_the_family(name: str, cms: str) -> None:
    url, html, _ = fixture(name)
    module = choose_parser(load_html(html), url)
    assert module is not None and module.CMS_NAME == cms


@pytest.mark.parametrize("name", ["nukeviet_egov_seed", "nukeviet_laws_44", "nukeviet_dispatch"])
def test_family_override_nukeviet_picks_the_same_parser(name: str) -> None:
    url, html, _ = fixture(name)
    assert parse_page(url, html, cms="nukeviet") == parsed(name)


def test_forced_news_parser_still_treats_a_listing_as_a_listing() -> None:
    url, html, expected = fixture("nukeviet_listing_category")
    assert parse_page(url, html, cms="nukeviet_news") == expected


def test_portal_is_filled_when_given() -> None:
    url, html, _ = fixture("nukeviet_egov_byline_block")
    assert parse_page(url, html, portal="tayninh-thixa")["portal"] == "tayninh-thixa"


def test_listing_excludes_print_views_external_and_feed_links() -> None:
    links = parsed("nukeviet_listing_category")["links"]
    assert all(link.startswith("https://thixa.tayninh.gov.vn/") for link in links)
    assert not [link for link in links if "/print/" in link or "/rss/" in link]
    assert len(links) == len(set(links))


@pytest.mark.parametrize(
    ("url", "detail"),
    [
        ("https://a.gov.vn/tin-tuc/tin-hoat-dong/bai-viet-1201.html", True),
        ("https://a.gov.vn/vi/news/thoi-su/bai-viet-12.html", True),
        ("https://a.gov.vn/van-ban/detail/Quyet-dinh-39-QD-UBND-135/", True),
        ("https://a.gov.vn/cong-van/detail/cong-van-ve-viec-phong-chong-dich/", True),
        ("https://a.gov.vn/index.php?language=vi&nv=news&op=thoi-su/bai-viet-12.html", True),
        ("https://a.gov.vn/tin-tuc/-/view_content/123-bai-viet.html", True),
        ("https://baochinhphu.vn/thu-tuong-chu-tri-hoi-nghi-115210524223812345.htm", True),
        ("https://a.gov.vn/Pages/chi-tiet.aspx?ItemID=4521", True),
        ("https://a.gov.vn/tin-tuc/print/tin-hoat-dong/bai-viet-1201.html", False),
        ("https://a.gov.vn/tin-tuc/savefile/tin-hoat-dong/bai-viet-1201.html", False),
        ("https://a.gov.vn/index.php?language=vi&nv=news&op=print/thoi-su/bai-viet-12.html", False),
        ("https://a.gov.vn/tin-tuc/tin-hoat-dong/", False),
        ("https://a.gov.vn/tin-tuc/tin-hoat-dong/page-2/", False),
        ("https://a.gov.vn/uploads/news/2021_01/bao-cao-12.pdf", False),
        ("https://a.gov.vn/tin-tuc/rss/tin-hoat-dong/", False),
        (
            "https://a.gov.vn/index.php?language=vi&nv=van-ban&op=detail/qd-12&download=1&id=0",
            False,
        ),
        ("https://a.gov.vn/van-ban/detail/Quyet-dinh-39-QD-UBND-135/?download=1&id=0", False),
        ("https://a.gov.vn/van-ban/detail/Quyet-dinh-39-QD-UBND-135/?id=0&Download", False),
        ("https://a.gov.vn/van-ban/detail/Quyet-dinh-39-QD-UBND-135/?downloads=all", True),
        ("https://xa.gov.vn/2024/06/18/hoi-nghi-so-ket-6-thang/", True),  # WordPress
        # Kentico: an article's alias under its section, the section itself, a SharePoint page
        (
            "https://tinh.gov.vn/Tin-tuc/Kinh-te/Giai-ngan-von-dau-tu-cong-dat-71-ke-hoach.aspx",
            True,
        ),
        ("https://tinh.gov.vn/Tin-tuc/Kinh-te.aspx", False),
        ("https://tinh.gov.vn/Pages/van-ban-chi-dao-dieu-hanh-cua-tinh.aspx", False),
        ("https://xa.gov.vn/2024/06/18/", False),  # a day's archive
        ("https://xa.gov.vn/2024/06/", False),
    ],
)
def test_is_detail_url(url: str, detail: bool) -> None:
    assert is_detail_url(url) is detail


def test_a_page_at_a_detail_url_is_never_a_listing() -> None:
    links = "".join(f'<li><a href="/tin/bai-{i}-{i}.html">Bài {i}</a></li>' for i in range(20))
    markup = f"<html><body><h1>Tiêu đề</h1><p>Ngắn.</p><ul>{links}</ul></body></html>"
    doc = load_html(markup)
    assert is_listing(doc, "https://a.gov.vn/tin/cac-bai-viet/")
    assert not is_listing(doc, "https://a.gov.vn/tin/mot-bai-viet-99.html")


ARCHIVE_POSTS = "".join(
    f'<article class="post"><h2><a href="/2024/06/{i:02d}/bai-viet-so-{i}/">Bài {i}</a></h2>'
    f"<div class='entry-content'><p>{'Nội dung bài viết rất dài. ' * 60}</p></div></article>"
    for i in range(1, 7)
)


@pytest.mark.parametrize(
    ("url", "body_class", "listing"),
    [
        ("https://xa.gov.vn/chuyen-muc/tin-tuc/", "", True),  # its address says so
        ("https://xa.gov.vn/tin-tuc/page/2/", "", True),
        ("https://xa.gov.vn/tin-tuc-su-kien/", "archive category paged", True),  # its body does
        ("https://xa.gov.vn/tin-tuc-su-kien/", "blog", True),
        ("https://xa.gov.vn/tin-tuc-su-kien/", "single single-post", False),
        ("https://xa.gov.vn/tin-tuc-su-kien/", "", False),  # long text, nothing says so
    ],
)
def test_wordpress_archives_are_listings(url: str, body_class: str, listing: bool) -> None:
    page = f'<html><body class="{body_class}"><main>{ARCHIVE_POSTS}</main></body></html>'
    assert is_listing(load_html(page), url) is listing


OLD_DEFAULT_THEME = """<html><head><meta name="generator" content="NukeViet v4.0">
<title>Tin cũ - Cổng TTĐT</title></head><body><h1>Cổng thông tin điện tử</h1>
<div class="news_column"><div id="news_detail"><h1>Hội nghị sơ kết 6 tháng</h1>
<span class="time">Thứ năm, 09/07/2015 - 14:25</span>
<div id="hometext">Sơ kết công tác 6 tháng đầu năm 2015.</div>
<div class="bodytext"><p>Hội nghị đánh giá kết quả thực hiện Nghị quyết số 12/NQ-HĐND.</p>
<p style="text-align: right;"><strong>Lan Anh</strong></p></div>
<p style="text-align: right;"><strong>Nguồn tin: </strong>Văn phòng UBND</p></div>
<div class="keywords"><strong>Từ khóa: </strong><a href="/news/tag/so-ket"><em>sơ kết</em></a></div>
<ul class="related"><li><a href="/news/a/b-3.html">Tin khác</a><span class="date">(01/07/2015)</span></li></ul>
</div></body></html>"""


def test_old_default_theme_article() -> None:
    record = parse_page(
        "https://xa.gov.vn/news/tin-tuc/hoi-nghi-so-ket-6-thang-5.html", OLD_DEFAULT_THEME
    )
    assert record["cms"] == "nukeviet_news"
    assert record["title"] == "Hội nghị sơ kết 6 tháng"
    assert record["published"] == "2015-07-09T14:25:00+07:00"
    assert record["summary"] == "Sơ kết công tác 6 tháng đầu năm 2015."
    assert record["body"] == "Hội nghị đánh giá kết quả thực hiện Nghị quyết số 12/NQ-HĐND."
    assert (record["author"], record["source"]) == ("Lan Anh", "Văn phòng UBND")
    assert record["tags"] == ["sơ kết"]
    assert record["doc_refs"] == ["12/NQ-HĐND"]


LAW_DETAIL_4X = """<html><head><meta name="generator" content="NukeViet v4.5"></head><body>
<div class="law-detail"><h1 class="margin-bottom-lg">Quyết định phê duyệt quy hoạch</h1>
<div class="tab-content tab-content-main"><div role="tabpanel" class="tab-pane active" id="doc-basic">
<div class="panel-body"><p>Phê duyệt quy hoạch chung đô thị theo Luật số 30/2009/QH12.</p>
<table class="table table-properties table-bordered mb-0"><tbody>
<tr><td class="col-header fw-bold">Số ký hiệu</td><td>88/QĐ-UBND</td>
<td class="col-header fw-bold">Ngày ban hành</td><td>03/03/2023</td></tr>
<tr><td class="col-header fw-bold">Người ký</td><td><a href="/laws/signer/1/">Võ Văn Sơn</a></td>
<td class="col-header fw-bold">Ngày hết hiệu lực</td><td>N/A</td></tr>
</tbody></table></div></div>
<div role="tabpanel" class="tab-pane" id="doc-body"><div class="panel-body"><div class="bodytext">
<p>Điều 1. Phê duyệt.</p><p>Điều 2. Thi hành.</p></div></div></div></div></div></body></html>"""


def test_laws_tabbed_template() -> None:
    record = parse_page("https://a.gov.vn/laws/detail/quy-hoach-9/", LAW_DETAIL_4X)
    assert record["cms"] == "nukeviet_laws"
    assert record["title"] == "Quyết định phê duyệt quy hoạch"
    assert record["summary"] == "Phê duyệt quy hoạch chung đô thị theo Luật số 30/2009/QH12."
    assert (record["doc_number"], record["published"], record["expires"]) == (
        "88/QĐ-UBND",
        "2023-03-03",
        None,
    )
    assert record["signer"] == record["author"] == "Võ Văn Sơn"
    assert record["body"] == "Điều 1. Phê duyệt.\n\nĐiều 2. Thi hành."
    assert record["doc_refs"] == ["30/2009/QH12"]

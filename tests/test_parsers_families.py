"""Golden-page tests for the Liferay, SharePoint, Kentico and generic parsers."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest

from scraper.parsers import parse_page
from scraper.parsers.base import load_html
from scraper.parsers.generic import iso_local, url_date_hint
from scraper.parsers.registry import choose_parser

PAGES = Path(__file__).parent / "fixtures" / "pages"
FAMILIES = ("liferay", "sharepoint", "kentico", "generic")
FIXTURES = sorted(p.name for p in PAGES.iterdir() if p.is_dir() and p.name.startswith(FAMILIES))


def _expected(name: str) -> dict[str, Any]:
    return json.loads((PAGES / name / "expected.json").read_text(encoding="utf-8"))


def _url(name: str) -> str:
    return json.loads((PAGES / name / "meta.json").read_text(encoding="utf-8"))["url"]


@functools.cache
def _parsed(name: str) -> dict[str, Any]:
    return parse_page(_url(name), (PAGES / name / "input.html").read_bytes())


def _record(name: str) -> dict[str, Any]:
    return _parsed(name)


FIELD_CASES = [(name, field) for name in FIXTURES for field in _expected(name)]


def test_fixture_set_covers_every_family() -> None:
    assert len(FIXTURES) >= 16
    for family in FAMILIES:
        assert any(name.startswith(family) for name in FIXTURES), family


@pytest.mark.parametrize(("name", "field"), FIELD_CASES, ids=[f"{n}-{f}" for n, f in FIELD_CASES])
def test_field(name: str, field: str) -> None:
    assert _record(name).get(field) == _expected(name)[field]


@pytest.mark.parametrize("name", FIXTURES)
def test_no_unexpected_fields(name: str) -> None:
    assert set(_record(name)) == set(_expected(name))


@pytest.mark.parametrize("name", [n for n in FIXTURES if _expected(n)["kind"] != "listing"])
def test_registry_picks_the_family(name: str) -> None:
    doc = load_html((PAGES / name / "input.html").read_bytes())
    parser = choose_parser(doc, _url(name))
    assert parser is not None
    assert parser.CMS_NAME == _expected(name)["cms"]


def test_wrong_charset_page_decodes_as_utf8() -> None:
    raw = (PAGES / "generic_wrong_charset" / "input.html").read_bytes()
    assert b"charset=iso-8859-1" in raw
    assert parse_page(_url("generic_wrong_charset"), raw)["title"].startswith("Cà Mau")


def test_baochinhphu_url_carries_the_publish_time() -> None:
    url = "https://baochinhphu.vn/mot-tin-115210524223812345.htm"
    assert url_date_hint(url) == "2021-05-24T22:38:12+07:00"


def test_url_without_timestamp_gives_no_hint() -> None:
    assert url_date_hint("https://baochinhphu.vn/mot-tin-1152105.htm") is None
    assert url_date_hint("https://baochinhphu.vn/mot-tin-115219924223812345.htm") is None


def test_iso_dates_are_moved_to_local_time() -> None:
    assert iso_local("2022-03-11T02:15:40+00:00") == "2022-03-11T09:15:40+07:00"
    assert iso_local("2022-03-11T09:15:40Z") == "2022-03-11T16:15:40+07:00"
    assert iso_local("2022-03-11") == "2022-03-11"


def test_json_ld_edit_time_loses_to_the_visible_date() -> None:
    raw = (PAGES / "generic_jsonld" / "input.html").read_text(encoding="utf-8")
    assert '"datePublished": "2021-05-13T10:20:00+07:00"' in raw
    assert _record("generic_jsonld")["published"] == "2021-05-12T08:15:00+07:00"


def test_generic_login_author_is_not_a_byline() -> None:
    html = """<html><head><title>Tin</title><script type="application/ld+json">
    {"@type": "NewsArticle", "headline": "Một tin dài đủ để làm tiêu đề",
     "author": {"@type": "Person", "name": "admin"}}</script></head>
    <body><h1>Một tin dài đủ để làm tiêu đề</h1>
    <div><p>Đoạn văn thứ nhất của bài viết, đủ dài để được tính là nội dung chính.</p>
    <p>Đoạn văn thứ hai của bài viết, cũng đủ dài để được tính là nội dung chính.</p></div>
    </body></html>"""
    record = parse_page("https://example.gov.vn/tin/mot-tin", html)
    assert record["author"] is None
    assert record["title"] == "Một tin dài đủ để làm tiêu đề"


def test_generic_parser_reads_the_baochinhphu_article() -> None:
    # The fallback parser itself, whatever parse_page's routing decides.
    from scraper.parsers import generic

    name = "generic_baochinhphu"
    doc = load_html((PAGES / name / "input.html").read_bytes())
    assert generic.parse(doc, _url(name)) == _expected(name)


SITE_TITLE_PAGE = """<html><head><title>UBND XÃ TÂN HÒA</title></head><body>
<div id="header"><img src="/banner.jpg" alt="UBND xã Tân Hòa"></div>
<div class="menu"><a href="/">Trang chủ</a> <a href="/tin-tuc">Tin tức</a></div>
<div class="content"><h2>Xã Tân Hòa tổ chức Hội nghị đối thoại với Nhân dân</h2>
<p>Sáng nay, Ủy ban nhân dân xã tổ chức hội nghị đối thoại với Nhân dân năm 2022 tại hội trường.</p>
<p>Tại hội nghị, người dân đã nêu nhiều ý kiến về giao thông nông thôn và nước sinh hoạt.</p></div>
<div id="footer">ỦY BAN NHÂN DÂN XÃ TÂN HÒA</div></body></html>"""


def test_generic_title_is_the_heading_when_title_tag_names_the_site() -> None:
    record = parse_page("http://tanhoa.gov.vn/tin/123", SITE_TITLE_PAGE)
    assert record["title"] == "Xã Tân Hòa tổ chức Hội nghị đối thoại với Nhân dân"


def test_generic_title_falls_back_to_the_title_tag() -> None:
    html = (
        SITE_TITLE_PAGE.replace(
            "<title>UBND XÃ TÂN HÒA</title>", "<title>Tin đối thoại năm 2022 - UBND xã</title>"
        )
        .replace("<h2>", "<div class='t'>")
        .replace("</h2>", "</div>")
    )
    assert parse_page("http://tanhoa.gov.vn/tin/123", html)["title"] == (
        "Tin đối thoại năm 2022 - UBND xã"
    )


def test_sharepoint_byline_block_gives_author_and_source() -> None:
    name = "sharepoint_article"
    html = (PAGES / name / "input.html").read_text(encoding="utf-8")
    byline = (
        '<div id="divArticleDescription3" class="author-detail"><p style="text-align: right;">'
        "<strong>Thu Hằng - Vụ Các vấn đề chung về xây dựng pháp luật</strong></p></div>"
    )
    assert byline in html
    html = html.replace(
        byline,
        '<div id="divArticleDescription3"><p>Tác giả: Minh Anh</p>'
        "<p>Nguồn: Báo Pháp luật Việt Nam</p></div>",
    )
    record = parse_page(_url(name), html)
    assert (record["author"], record["source"]) == ("Minh Anh", "Báo Pháp luật Việt Nam")


def test_liferay_date_line_in_a_custom_template_is_found_under_the_title() -> None:
    name = "liferay62_article"
    html = (PAGES / name / "input.html").read_text(encoding="utf-8")
    line = '<div class="assetPublishDate">Ngày đăng 09/09/2020 | 05:07 PM | View count: 842</div>'
    assert line in html
    html = html.replace(line, '<div class="news-time">Cập nhật lúc 17:07 ngày 09/09/2020</div>')
    assert parse_page(_url(name), html)["published"] == "2020-09-09T17:07:00+07:00"


def test_liferay_edit_date_only_when_no_other_date_is_shown() -> None:
    name = "liferay62_journal_article_byline"
    html = (PAGES / name / "input.html").read_text(encoding="utf-8")
    line = (
        '<span class="ngay-dang"><i class="icon-calendar"></i> Ngày đăng: 02/04/2024 | 02:45 PM'
        "</span>"
    )
    assert line in html
    assert parse_page(_url(name), html)["published"] == "2024-04-02T14:45:00+07:00"
    # the asset's "modified date" (05/04/2024) is the last edit: the date only when alone
    record = parse_page(_url(name), html.replace(line, ""))
    assert (record["published"], record["author"]) == ("2024-04-05", "Ngọc Hân")


def test_liferay_template_byline_is_the_author_and_leaves_the_body() -> None:
    name = "liferay62_journal_article_byline"
    html = (PAGES / name / "input.html").read_text(encoding="utf-8")
    record = parse_page(_url(name), html)
    assert record["author"] == "Ngọc Hân"  # not the Liferay user of "Bởi Trần Quốc Việt"
    assert "Tác giả" not in record["body"] and "Ngày đăng" not in record["body"]
    byline = '<span class="tac-gia"><i class="icon-user"></i> Tác giả: Ngọc Hân</span>'
    assert byline in html
    without = parse_page(_url(name), html.replace(byline, ""))
    assert without["author"] is None and without["body"] == record["body"]


def test_generic_category_field_before_the_breadcrumb() -> None:
    name = "generic_drupal10_news"
    html = (PAGES / name / "input.html").read_text(encoding="utf-8")
    label = '<div class="field__label">Chuyên mục</div>'
    assert label in html
    assert parse_page(_url(name), html)["category"] == "Hoạt động của Cục"
    # a field labelled otherwise is no category: the breadcrumb's section then
    other = html.replace(label, '<div class="field__label">Đơn vị</div>')
    assert parse_page(_url(name), other)["category"] == "Tin tức"


def test_sharepoint_header_date_of_today_is_not_the_article_date() -> None:
    name = "sharepoint_2013_province_news_tac_gia"
    html = (PAGES / name / "input.html").read_text(encoding="utf-8")
    label = '_ctl00_lblNgayDang" class="date-detail">15/11/2023 14:20 CH</span>'
    assert label in html and "lblNgayHienTai" in html
    assert parse_page(_url(name), html)["published"] == "2023-11-15T14:20:00+07:00"
    # with the article's own date gone, the header's "Thứ sáu, ngày 17/11/2023" still is not it
    record = parse_page(_url(name), html.replace(label, '_ctl00_lblNgayDang"></span>'))
    assert record["published"] != "2023-11-17"


def test_sharepoint_byline_block_holding_the_title_is_no_byline() -> None:
    name = "sharepoint_2013_province_news_tac_gia"
    html = (PAGES / name / "input.html").read_text(encoding="utf-8")
    record = parse_page(_url(name), html)
    assert (record["author"], record["source"]) == ("Minh Hoàng", "Sở Kế hoạch và Đầu tư")
    block = '_ctl00_pnNguontin" class="article-author">'
    assert block in html
    record = parse_page(_url(name), html.replace(block, '_ctl00_pnOther" class="x">'))
    assert record["author"] is None  # never the title of the block beside it


def test_date_line_above_the_block_the_title_opens() -> None:
    name = "generic_custom_php_portal_news"
    html = (PAGES / name / "input.html").read_text(encoding="utf-8")
    line = '<span class="post-date left"> 09:12:45 | 21/03/2025 </span>'
    assert line in html
    assert parse_page(_url(name), html)["published"] == "2025-03-21T09:12:45+07:00"
    # without the visible line, the metadata's time (the draft's) is all there is
    assert parse_page(_url(name), html.replace(line, ""))["published"] == (
        "2025-03-20T16:40:11+07:00"
    )


def test_a_link_named_as_a_file_is_an_attachment_whatever_its_address() -> None:
    name = "kentico_article_attachment"
    html = (PAGES / name / "input.html").read_text(encoding="utf-8")
    titles = [a["title"] for a in parse_page(_url(name), html)["attachments"]]
    assert "Bieu-mau-cong-khai-du-toan-NSDP-2024.xlsx" in titles
    renamed = html.replace(
        ">Bieu-mau-cong-khai-du-toan-NSDP-2024.xlsx<", ">Biểu mẫu công khai dự toán<"
    )
    assert renamed != html
    titles = [a["title"] for a in parse_page(_url(name), renamed)["attachments"]]
    assert "Biểu mẫu công khai dự toán" not in titles


def test_kentico_extensionless_article_addresses_are_listing_links() -> None:
    name = "kentico_news_listing"
    html = (PAGES / name / "input.html").read_text(encoding="utf-8")
    alias = "https://skhdt.binhduong.gov.vn/Tin-tuc/Xuc-tien-dau-tu/Binh-Duong-xuc-tien-dau-tu-tai-Han-Quoc"
    record = parse_page(_url(name), html)
    assert record["kind"] == "listing" and alias in record["links"]
    # pagination and sections are no articles
    assert not [u for u in record["links"] if "?page=" in u or u.endswith("/Tin-tuc")]
    # off Kentico, such a path is as often a section or a link that lost its extension
    plain = html.replace("/CMSPages/", "/Assets/").replace("__CMSCsrfToken", "__Token")
    plain = plain.replace("CMSListMenu", "ListMenu").replace("CMSBreadCrumbs", "BreadCrumbs")
    assert alias not in (parse_page(_url(name), plain).get("links") or [])


def test_sharepoint_title_label_named_in_vietnamese_and_no_hidden_heading() -> None:
    name = "sharepoint_2010_ministry_news_sa"
    html = (PAGES / name / "input.html").read_text(encoding="utf-8")
    title = "Tập huấn triển khai các quy định về đầu tư theo phương thức đối tác công tư"
    assert parse_page(_url(name), html)["title"] == title
    # without the label, the visible heading, never the hidden page-title row ("Trang chủ")
    unlabelled = html.replace("_lblTieuDe", "_lblOther")
    assert parse_page(_url(name), unlabelled)["title"] != "Trang chủ"


def test_list_item_title_field_names_the_document() -> None:
    name = "sharepoint_dispform_van_ban"
    html = (PAGES / name / "input.html").read_text(encoding="utf-8")
    record = parse_page(_url(name), html)
    assert record["title"].startswith("Tăng cường công tác phòng, chống bệnh Dịch tả lợn")
    assert record["summary"].startswith("Về việc tăng cường các biện pháp cấp bách")
    # with no title field, the trích yếu names it
    untitled = html.replace("</a>Tiêu đề</h3>", "</a>Ghi chú</h3>")
    assert untitled != html
    assert parse_page(_url(name), untitled)["title"] != record["title"]


def test_a_line_of_page_tools_is_not_body_text() -> None:
    name = "generic_aspnet_webforms_news"
    html = (PAGES / name / "input.html").read_text(encoding="utf-8")
    body = parse_page(_url(name), html)["body"]
    assert "Lượt xem" not in body and "In trang" not in body
    assert body.startswith("Tham dự hội nghị có đại diện lãnh đạo Sở Tư pháp")

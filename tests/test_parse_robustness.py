"""Bad input never crashes `parse_page`: a record or ParseError, nothing else."""

from __future__ import annotations

import codecs
import json
import time
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scraper.parsers import ParseError, parse_page
from scraper.parsers.base import decode_html, load_html

PAGES = Path(__file__).parent / "fixtures" / "pages"
SEED = PAGES / "nukeviet_egov_seed"
URL = json.loads((SEED / "meta.json").read_text(encoding="utf-8"))["url"]
HTML = (SEED / "input.html").read_bytes()
EXPECTED = json.loads((SEED / "expected.json").read_text(encoding="utf-8"))


def parse_or_error(html: str | bytes, url: str = URL) -> dict[str, Any] | None:
    """Return the record, or None when parse_page raised ParseError."""
    try:
        record = parse_page(url, html)
    except ParseError as exc:
        assert str(exc) and "\n" not in str(exc)
        return None
    # a `file:` URL gives way to the address the page declares (tests/test_parsers_saved.py)
    assert isinstance(record, dict) and (record["url"] == url or url[:5].lower() == "file:")
    return record


@pytest.mark.parametrize("html", [b"", "", b"   \n\t", "  \n ", b"\xef\xbb\xbf", "\ufeff"])
def test_empty_input_is_a_parse_error(html: str | bytes) -> None:
    with pytest.raises(ParseError, match="empty"):
        parse_page(URL, html)


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <</Type /Catalog>> endobj",
        b"PK\x03\x04\x14\x00\x06\x00word/document.xml",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"\xff\xd8\xff\xe0\x00\x10JFIF",
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00",
        bytes(range(256)) * 20,
    ],
)
def test_binary_input_is_a_parse_error(data: bytes) -> None:
    with pytest.raises(ParseError, match="not HTML"):
        parse_page(URL, data)


@pytest.mark.parametrize(
    "text", ["Chỉ là văn bản thuần, không có thẻ.", '{"a": 1}', "1,2,3\n4,5,6"]
)
def test_text_without_markup_is_a_parse_error(text: str) -> None:
    with pytest.raises(ParseError, match="no markup"):
        parse_page(URL, text)


@pytest.mark.parametrize("cut", [50, 400, 2_000, 9_000, 15_000, 20_000, 25_000, len(HTML) - 7])
def test_truncated_page_gives_record_or_parse_error(cut: int) -> None:
    parse_or_error(HTML[:cut])


def test_truncated_page_keeps_what_it_has() -> None:
    cut = HTML.index(b"Thanh Vi-BTG")
    record = parse_or_error(HTML[:cut])
    assert record is not None
    assert record["title"] == EXPECTED["title"]
    assert record["published"] == EXPECTED["published"]


def test_utf8_cut_inside_a_character_still_decodes() -> None:
    data = "<p>Thị ủy</p>".encode()
    assert decode_html(data[:-5]).startswith("<p>Thị")


def test_huge_page_finishes_in_seconds() -> None:
    filler = ("<p>" + "Đoạn văn lặp lại để làm trang thật lớn. " * 25 + "</p>\n").encode()
    marker = b'<div id="news-bodyhtml"'
    at = HTML.index(marker)
    at = HTML.index(b">", at) + 1
    data = HTML[:at] + filler * (20_000_000 // len(filler)) + HTML[at:]
    assert len(data) >= 20_000_000
    start = time.perf_counter()
    record = parse_or_error(data)
    elapsed = time.perf_counter() - start
    assert record is not None and record["title"] == EXPECTED["title"]
    assert elapsed < 15, f"20 MB page took {elapsed:.1f}s"


def test_one_huge_text_node_is_not_truncated_silently() -> None:
    text = "chữ " * 3_000_000
    data = f"<html><body><div id='x'><p>{text}</p><p>kết thúc</p></div></body></html>"
    doc = load_html(data.encode())
    assert doc.get_element_by_id("x")[1].text == "kết thúc"


def test_declared_latin1_but_utf8_bytes_reads_utf8() -> None:
    data = HTML.replace(b"charset=utf-8", b"charset=iso-8859-1")
    assert b"iso-8859-1" in data
    assert parse_page(URL, data) == parse_page(URL, HTML)


def test_declared_utf8_but_cp1258_bytes_reads_vietnamese() -> None:
    text = HTML.decode("utf-8")
    data = codecs.encode(text, "cp1258", errors="xmlcharrefreplace")
    record = parse_page(URL, data)
    assert record["title"] == EXPECTED["title"]
    assert record["published"] == EXPECTED["published"]
    assert record["body"] == EXPECTED["body"]


def test_legacy_windows_1258_declared_page() -> None:
    markup = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1258">'
        "</head><body><div><p>Thị xã Tây Ninh</p></div></body></html>"
    )
    doc = load_html(codecs.encode(markup, "cp1258", errors="xmlcharrefreplace"))
    assert "Thị xã Tây Ninh" in " ".join(doc.text_content().split()).replace("\u0323", "")


@pytest.mark.parametrize("bom", ["utf-8-sig", "utf-16"])
def test_byte_order_marks(bom: str) -> None:
    data = HTML.decode("utf-8").encode(bom)
    assert parse_page(URL, data) == parse_page(URL, HTML)


def test_xml_declaration_in_a_str_is_accepted() -> None:
    text = '<?xml version="1.0" encoding="utf-8"?>\n' + HTML.decode("utf-8")
    assert parse_page(URL, text) == parse_page(URL, HTML)


def test_lone_surrogates_and_nul_characters() -> None:
    text = HTML.decode("utf-8").replace("Công tác", "Công\ud800 tác\x00", 1)
    parse_or_error(text)


def test_deeply_nested_markup() -> None:
    parse_or_error("<div>" * 100_000 + "sâu" + "</div>" * 100_000)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=2_000))
def test_fuzz_text(text: str) -> None:
    parse_or_error(text)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2_000))
def test_fuzz_bytes(data: bytes) -> None:
    parse_or_error(data)


TAGS = st.sampled_from(
    ["<div>", "</div>", "<p>", "</p>", "<br>", "<table><tr><td>", "</td></tr></table>", "<h1>",
     "<strong>", '<div id="news-bodyhtml">', '<h3 class="lawh3">', "<script>", "<!--", "-->",
     '<meta name="generator" content="NukeViet v4.4">', '<td class="text-right">Số kí hiệu</td>',
     "<td><strong>Số công văn</strong></td><td>", "<a href='/tin-tuc/a/b-1.html'>", "</a>",
     "&#7889;", "&nbsp;", "Thứ ba - 26/01/2021 17:00", "Theo Báo Tây Ninh", "45-CV/BTGTU"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(TAGS, st.text(max_size=20)), max_size=60))
def test_fuzz_html_like(parts: list[str]) -> None:
    parse_or_error("".join(parts))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(HTML)), st.integers(0, 2_000), st.binary(max_size=50))
def test_fuzz_mutated_real_page(at: int, drop: int, insert: bytes) -> None:
    parse_or_error(HTML[:at] + insert + HTML[at + drop :])


@settings(max_examples=50, deadline=None)
@given(st.text(min_size=1, max_size=200))
def test_fuzz_url(url: str) -> None:
    parse_or_error(HTML, url=url)


CMS_NAMES = st.sampled_from(
    [None, "nukeviet", "nukeviet_news", "nukeviet_laws", "nukeviet_dispatch", "generic"]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(TAGS, st.text(max_size=20)), max_size=60), CMS_NAMES)
def test_fuzz_forced_parser(parts: list[str], cms: str | None) -> None:
    try:
        record = parse_page(URL, "".join(parts), cms=cms)
    except ParseError:
        return
    assert record["url"] == URL


def test_unknown_cms_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="unknown cms"):
        parse_page(URL, HTML, cms="joomla-1.0")


def test_server_declared_encoding_is_used_for_legacy_bytes() -> None:
    markup = "<html><body><div><p>Thị xã Tây Ninh đẹp</p></div></body></html>"
    doc = load_html(markup.encode("cp1258", errors="xmlcharrefreplace"), encoding="windows-1258")
    assert "Tây Ninh" in doc.text_content()


def test_declared_latin1_but_cp1258_bytes_reads_vietnamese() -> None:
    markup = (
        '<html><head><meta charset="iso-8859-1"></head>'
        "<body><div><p>Đại hội đại biểu Đảng bộ</p></div></body></html>"
    )
    data = codecs.encode(markup, "cp1258", errors="xmlcharrefreplace")
    doc = load_html(data)
    assert "Đại hội đại biểu Đảng bộ" in unicodedata.normalize("NFC", doc.text_content())


# ---- plain UTF-8 pages parsed from their bytes (`base._utf8_page`) -----------------------------


def _both_ways(data: bytes) -> tuple[bytes | str, bytes | str]:
    """Return `load_html(data)` as markup, or its error, with and without the bytes fast path."""
    from scraper.parsers import base

    def load() -> bytes | str:
        try:
            return base.etree.tostring(load_html(data), encoding="utf-8")
        except ParseError as exc:
            return str(exc)

    fast = load()
    original = base._utf8_page
    base._utf8_page = lambda data: None  # type: ignore[assignment]
    try:
        decoded = load()
    finally:
        base._utf8_page = original  # type: ignore[assignment]
    return fast, decoded


GOLDEN = sorted(PAGES.glob("*/input.html"))


@pytest.mark.parametrize("page", GOLDEN, ids=[p.parent.name for p in GOLDEN])
def test_utf8_bytes_parse_as_their_decoded_text(page: Path) -> None:
    fast, decoded = _both_ways(page.read_bytes())
    assert fast == decoded


@pytest.mark.parametrize(
    "data",
    [
        "<html><body><p>Đảng bộ</p></body></html>".encode("cp1258", "xmlcharrefreplace"),
        codecs.BOM_UTF8 + "<html><body><p>Đại hội</p></body></html>".encode(),
        b'<?xml version="1.0" encoding="utf-8"?><html><body><p>x</p></body></html>',
        b"<html><body><p>a\x00b</p></body></html>",
        "<html><body><p>Đại hội</p></body></html>".encode()[:-22] + "Đ".encode()[:1],
        "Warning: include(): <html><body><p>Đại hội</p></body></html>".encode(),
        b"%PDF-1.4 <html>",
    ],
    ids=["cp1258", "bom", "xml-declaration", "nul", "cut-character", "text-first", "pdf"],
)
def test_other_bytes_take_the_decoding_path(data: bytes) -> None:
    from scraper.parsers import base

    assert base._utf8_page(data) is None
    fast, decoded = _both_ways(data)
    assert fast == decoded


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(HTML)), st.binary(max_size=12), st.booleans())
def test_mutated_bytes_parse_as_their_decoded_text(at: int, insert: bytes, lead: bool) -> None:
    data = insert + HTML if lead else HTML[:at] + insert + HTML[at:]
    fast, decoded = _both_ways(data)
    assert fast == decoded

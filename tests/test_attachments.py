"""Text from attachments: each file type, OCR of scans, and the reasons given when text is missing."""

# ruff: noqa: E402  (the imports below wait for the importorskip checks)
from __future__ import annotations

import io
import shutil
import unicodedata

import pytest

for _module in ("pypdfium2", "docx", "PIL", "numpy", "fpdf"):
    pytest.importorskip(_module, reason=f"{_module} not installed (see scraper/attachments)")

import pypdfium2 as pdfium

from scraper.attachments import detect_kind, extract_attachment, tesseract_status
from scraper.attachments.office import doc_tool_status
from scraper.attachments.pdf import text_layer_problem

try:
    from tests.attachment_fixtures import (
        ADMIN_PARAGRAPHS,
        LEGACY_PARAGRAPHS,
        char_accuracy,
        encode_cp1258,
        ground_truth,
        make_doc,
        make_docx,
        make_encrypted_pdf,
        make_scanned_pdf,
        make_tcvn3_text,
        make_text_pdf,
        make_vni_text,
        render_pages,
        soffice_path,
    )
except ImportError:  # tests/ is not a package: pytest puts tests/ itself on sys.path
    from attachment_fixtures import (  # type: ignore[no-redef]
        ADMIN_PARAGRAPHS,
        LEGACY_PARAGRAPHS,
        char_accuracy,
        encode_cp1258,
        ground_truth,
        make_doc,
        make_docx,
        make_encrypted_pdf,
        make_scanned_pdf,
        make_tcvn3_text,
        make_text_pdf,
        make_vni_text,
        render_pages,
        soffice_path,
    )

needs_tesseract = pytest.mark.skipif(
    tesseract_status() is not None,
    reason=f"OCR unavailable: {tesseract_status()} (apt-get install tesseract-ocr tesseract-ocr-vie)",
)
KEY_WORDS = ("Căn cứ", "Ủy ban nhân dân", "tuyên truyền", "Đảng Cộng sản Việt Nam", "năm 2021")
SCAN_PARAGRAPHS = ADMIN_PARAGRAPHS[4:12]


def words(text: str) -> str:
    """Return `text` NFC with single spaces, as the comparisons read it."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def merge_pdfs(*documents: bytes) -> bytes:
    """Return one PDF with the pages of `documents` in order."""
    merged = pdfium.PdfDocument.new()
    for data in documents:
        merged.import_pages(pdfium.PdfDocument(data))
    buffer = io.BytesIO()
    merged.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def legacy_doc() -> bytes:
    if soffice_path() is None:
        pytest.skip("LibreOffice not installed: no way to write a real .doc fixture")
    return make_doc()


@pytest.mark.parametrize(
    ("data", "filename", "content_type", "kind"),
    [
        (b"%PDF-1.7\n...", "", "", "pdf"),
        (b"%PDF-1.4\n...", "van-ban.doc", "application/msword", "pdf"),  # magic bytes win
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le"), "", "", "doc"),
        (b"<!DOCTYPE html><html><body>x</body></html>", "a.doc", "", "html"),
        (b"plain words", "ke-hoach.txt", "", "txt"),
        (b"plain words", "", "text/plain; charset=utf-8", "txt"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "scan.pdf", "", "image"),
        (b"BMW and Mercedes, price list", "gia.txt", "", "txt"),
        (b"PK\x03\x04not a zip", "bang-tinh.xlsx", "", "unknown"),
    ],
)
def test_detect_kind_reads_magic_bytes_before_names(
    data: bytes, filename: str, content_type: str, kind: str
) -> None:
    assert detect_kind(data, filename=filename, content_type=content_type) == kind


def test_detect_kind_recognises_docx() -> None:
    assert detect_kind(make_docx(["Căn cứ"])) == "docx"


def test_text_pdf_gives_its_text_layer_word_for_word() -> None:
    result = extract_attachment(make_text_pdf(), filename="ke-hoach.pdf")
    assert (result.kind, result.pages, result.ocr, result.missing) == ("pdf", 1, [], None)
    assert words(result.text) == ground_truth(ADMIN_PARAGRAPHS)
    assert result.text == unicodedata.normalize("NFC", result.text)


def test_to_dict_gives_the_attachment_entry_fields() -> None:
    data = make_text_pdf(["Căn cứ Luật Tổ chức chính quyền địa phương"])
    entry = extract_attachment(data).to_dict()
    assert set(entry) == {"text", "pages", "ocr", "sha1"}
    assert len(entry["sha1"]) == 40 and entry["pages"] == 1


@needs_tesseract
def test_scanned_pdf_is_ocred_and_lists_its_pages() -> None:
    result = extract_attachment(make_scanned_pdf(SCAN_PARAGRAPHS, dpi=300))
    assert (result.pages, result.ocr, result.missing) == (1, [1], None)
    for word in KEY_WORDS:
        assert word in words(result.text)
    assert char_accuracy(result.text, " ".join(SCAN_PARAGRAPHS)) >= 0.97


@needs_tesseract
def test_realistic_scan_with_stamp_skew_and_dust_is_readable() -> None:
    data = make_scanned_pdf(
        ADMIN_PARAGRAPHS[12:], dpi=200, rotate=1.0, speckle=0.002, stamp=True, jpeg_quality=60
    )
    result = extract_attachment(data)
    assert result.ocr == [1]
    assert char_accuracy(result.text, " ".join(ADMIN_PARAGRAPHS[12:])) >= 0.90
    for word in ("Ủy ban nhân dân", "Thông tin", "CHỦ TỊCH"):
        assert word in words(result.text)


@needs_tesseract
def test_only_pages_without_a_text_layer_are_ocred() -> None:
    # The scan carries the small text box that digital-signature tools add: still a scan.
    scan = make_scanned_pdf(SCAN_PARAGRAPHS[:3], signed_by="UBND thị xã Hòa Thành")
    result = extract_attachment(merge_pdfs(make_text_pdf(ADMIN_PARAGRAPHS[:4]), scan))
    assert (result.pages, result.ocr) == (2, [2])
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in result.text
    assert "Căn cứ Luật Tổ chức chính quyền địa phương" in words(result.text)


def test_scan_without_tesseract_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVARCHIVE_TESSERACT", "/nonexistent/tesseract")
    tesseract_status.cache_clear()
    try:
        result = extract_attachment(make_scanned_pdf(SCAN_PARAGRAPHS[:2], dpi=100))
    finally:
        monkeypatch.undo()
        tesseract_status.cache_clear()
    assert (result.pages, result.ocr, result.text) == (1, [], "")
    assert result.missing is not None and "tesseract not installed" in result.missing
    assert result.to_dict()["missing"] == result.missing


def test_scan_with_ocr_off_says_which_pages_need_it() -> None:
    data = merge_pdfs(
        make_text_pdf(ADMIN_PARAGRAPHS[:4]), make_scanned_pdf(SCAN_PARAGRAPHS, dpi=100)
    )
    result = extract_attachment(data, ocr=False)
    assert result.ocr == [] and "Độc lập - Tự do - Hạnh phúc" in result.text
    assert result.missing == "OCR disabled; pages without a usable text layer: 2"


def test_max_pages_limits_the_work_and_says_so() -> None:
    data = merge_pdfs(make_text_pdf(ADMIN_PARAGRAPHS[:3]), make_text_pdf(ADMIN_PARAGRAPHS[3:6]))
    result = extract_attachment(data, max_pages=1)
    assert result.pages == 2 and "KẾ HOẠCH" not in result.text
    assert result.missing == "only the first 1 of 2 pages extracted"


@pytest.mark.parametrize(
    ("data", "missing"),
    [
        (b"", "empty file"),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage", "unreadable PDF"),
        (make_text_pdf(ADMIN_PARAGRAPHS[:3])[:900], "unreadable PDF"),
        (make_encrypted_pdf(), "password-protected PDF"),
        (b"PK\x03\x04" + bytes(64), "unsupported type"),
    ],
    ids=["empty", "corrupt", "truncated", "password", "zip"],
)
def test_unreadable_files_report_missing_without_raising(data: bytes, missing: str) -> None:
    result = extract_attachment(data, filename="van-ban.pdf")
    assert result.text == "" and result.missing is not None
    assert result.missing.startswith(missing)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "no text layer"),
        ("Ký bởi: UBND", "no text layer"),
        ("Căn\x03\x11\x07\x05 cứ\x0e\x12\x08\x1a " * 10, "garbled text layer"),
        ("Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015", None),
        ("The People's Committee of the town issues this plan for the anniversary", None),
        ("ÏÐ×Þ ßãáâ äåæç ÙÚÛ ÜÝÞ ¶·¸¹ º»¼½ ¾¿ÀÁ ÂÃÄÅ ÆÇÈÉ ÊËÌÍ ÎÏÐÑ ÒÓÔÕ", "garbled text layer"),
    ],
)
def test_text_layer_problem_finds_empty_and_garbled_pages(text: str, problem: str | None) -> None:
    assert text_layer_problem(text) == problem


def test_docx_gives_paragraphs_and_table_cells() -> None:
    result = extract_attachment(make_docx(), filename="ke-hoach.docx")
    assert (result.kind, result.pages, result.missing) == ("docx", None, None)
    lines = result.text.split("\n")
    assert lines[0] == "ỦY BAN NHÂN DÂN THỊ XÃ HÒA THÀNH\tCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert words(result.text).endswith(ground_truth(ADMIN_PARAGRAPHS[4:]))


def test_doc_gives_paragraphs_and_table_cells(legacy_doc: bytes) -> None:
    if doc_tool_status() is not None:
        pytest.skip(f"{doc_tool_status()} (apt-get install antiword catdoc)")
    result = extract_attachment(legacy_doc, filename="ke-hoach.doc")
    assert (result.kind, result.missing) == ("doc", None)
    assert "Số: 125/KH-UBND\tHòa Thành, ngày 26 tháng 01 năm 2021" in result.text
    assert words(result.text).endswith(ground_truth(ADMIN_PARAGRAPHS[4:]))


def test_doc_without_antiword_or_catdoc_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500) + "WordDocument".encode("utf-16-le")
    result = extract_attachment(data, filename="ke-hoach.doc")
    assert (result.kind, result.text, result.missing) == (
        "doc",
        "",
        "antiword/catdoc not installed",
    )


def test_txt_in_utf8_and_windows_1258() -> None:
    sentence = "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015"
    assert extract_attachment(sentence.encode("utf-8"), filename="a.txt").text == sentence
    legacy = encode_cp1258(sentence)
    assert extract_attachment(legacy, filename="a.txt").text == sentence


def test_html_gives_visible_text_only() -> None:
    html = (
        "<html><head><meta charset='windows-1258'><title>Kế hoạch</title>"
        "<script>var x = 'Căn cứ';</script><style>p {}</style></head>"
        "<body><h1>KẾ HOẠCH</h1><p>Căn cứ Luật</p><table><tr><td>Số: 125/KH-UBND</td></tr></table>"
        "</body></html>"
    )
    data = encode_cp1258(html)
    result = extract_attachment(data, filename="ke-hoach.htm")
    assert (result.kind, result.text) == ("html", "KẾ HOẠCH\nCăn cứ Luật\nSố: 125/KH-UBND")


def test_tcvn3_text_file_becomes_unicode() -> None:
    data = make_tcvn3_text().encode("cp1252")
    result = extract_attachment(data, filename="ke-hoach.txt")
    assert result.legacy_encoding == "tcvn3"
    assert words(result.text) == ground_truth(LEGACY_PARAGRAPHS)


def test_vni_text_file_becomes_unicode() -> None:
    data = make_vni_text().encode("cp1252")
    result = extract_attachment(data, filename="ke-hoach.txt")
    assert result.legacy_encoding == "vni"
    assert words(result.text) == ground_truth(LEGACY_PARAGRAPHS)


def test_pdf_typed_in_a_tcvn3_font_becomes_unicode() -> None:
    result = extract_attachment(make_text_pdf(make_tcvn3_text().split("\n\n")))
    assert result.legacy_encoding == "tcvn3" and result.ocr == []
    assert words(result.text) == ground_truth(LEGACY_PARAGRAPHS)


def test_docx_typed_in_a_vni_font_becomes_unicode() -> None:
    data = make_docx(make_vni_text().split("\n\n"), table=None, font="VNI-Times")
    result = extract_attachment(data)
    assert result.legacy_encoding == "vni"
    assert words(result.text) == ground_truth(LEGACY_PARAGRAPHS)


def test_rtf_served_as_doc_gives_its_text() -> None:
    if shutil.which("catdoc") is None:
        pytest.skip("catdoc not installed (apt-get install catdoc)")

    def escape(text: str) -> str:
        return "".join(c if ord(c) < 128 else f"\\u{ord(c)}?" for c in text)

    body = "\\par ".join(escape(p) for p in LEGACY_PARAGRAPHS[:2])
    data = (
        "{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times New Roman;}}\\f0 " + body + "\\par}"
    ).encode()
    result = extract_attachment(data, filename="ke-hoach.doc")
    assert (result.kind, result.missing) == ("doc", None)
    assert words(result.text) == ground_truth(LEGACY_PARAGRAPHS[:2])


@needs_tesseract
def test_scan_attached_as_an_image_is_ocred() -> None:
    page = render_pages(SCAN_PARAGRAPHS[:4], dpi=200)[0]
    buffer = io.BytesIO()
    page.save(buffer, format="JPEG", quality=85, dpi=(200, 200))
    result = extract_attachment(buffer.getvalue(), filename="scan.jpg")
    assert (result.kind, result.pages, result.ocr, result.missing) == ("image", 1, [1], None)
    assert char_accuracy(result.text, " ".join(SCAN_PARAGRAPHS[:4])) >= 0.97


def test_image_without_ocr_says_so() -> None:
    buffer = io.BytesIO()
    render_pages(SCAN_PARAGRAPHS[:1], dpi=100)[0].save(buffer, format="PNG")
    result = extract_attachment(buffer.getvalue(), ocr=False)
    assert (result.kind, result.text, result.missing) == (
        "image",
        "",
        "OCR disabled; image attachment",
    )


def test_ocr_specks_read_as_lone_punctuation_are_dropped() -> None:
    from scraper.attachments.ocr import drop_speck_tokens

    ocr_text = "Nơi nhận: - Thường trực Thị ủy; ` :\nTM. ỦY BAN ' NHÂN . DÂN\n¬ :"
    assert drop_speck_tokens(ocr_text) == "Nơi nhận: - Thường trực Thị ủy;\nTM. ỦY BAN NHÂN DÂN\n"


@pytest.mark.parametrize(
    ("filename", "data", "kind", "missing"),
    [
        ("ke-hoach.docx", make_docx(ADMIN_PARAGRAPHS[:3])[:700], "docx", "unreadable DOCX"),
        ("cong-van.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "doc", "unreadable DOC"),
    ],
)
def test_truncated_office_files_say_what_they_were(
    filename: str, data: bytes, kind: str, missing: str
) -> None:
    if kind == "doc" and doc_tool_status() is not None:
        pytest.skip(f"{doc_tool_status()} (apt-get install antiword catdoc)")
    result = extract_attachment(data, filename=filename)
    assert result.kind == kind and result.text == ""
    assert result.missing is not None and result.missing.startswith(missing)

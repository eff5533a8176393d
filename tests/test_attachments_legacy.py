"""TCVN3 (ABC) and VNI legacy font encodings: tables, round trips, detection."""

# ruff: noqa: E402  (the imports below wait for the importorskip checks)
from __future__ import annotations

import pytest

for _module in ("pypdfium2", "docx", "PIL", "numpy"):
    pytest.importorskip(_module, reason=f"{_module} not installed (see scraper/attachments)")

from scraper.attachments.legacy import (
    detect_legacy_encoding,
    fix_legacy_vietnamese,
    is_vietnamese_syllable,
    tcvn3_to_unicode,
    unicode_to_tcvn3,
    unicode_to_vni,
    vni_to_unicode,
)

SENTENCES = (
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
    "Thực hiện Công văn số 45-CV/BTGTU ngày 21/01/2021 của Ban Tuyên giáo Thị ủy về việc "
    "tuyên truyền kỷ niệm 91 năm Ngày thành lập Đảng Cộng sản Việt Nam.",
    "Độc lập - Tự do - Hạnh phúc",
    "Yêu cầu thủ trưởng các cơ quan, đơn vị nghiêm túc triển khai thực hiện; báo cáo kết quả "
    "trước ngày 10/02/2021 để tổng hợp.",
    "Phòng Văn hóa và Thông tin chủ trì, phối hợp với Trung tâm Văn hóa, Thể thao và Truyền thanh.",
    "Nguyễn Văn Hùng, Phó Chủ tịch; Trần Thị Mỹ Duyên; Lê Quang Khải; Huỳnh Ngọc Ẩn",
)


@pytest.mark.parametrize("sentence", SENTENCES)
def test_tcvn3_round_trip(sentence: str) -> None:
    assert tcvn3_to_unicode(unicode_to_tcvn3(sentence)) == sentence


@pytest.mark.parametrize("sentence", SENTENCES)
def test_vni_round_trip(sentence: str) -> None:
    assert vni_to_unicode(unicode_to_vni(sentence)) == sentence


@pytest.mark.parametrize(
    ("legacy", "unicode"),
    [
        ("Céng hoµ x· héi chñ nghÜa ViÖt Nam", "Cộng hoà xã hội chủ nghĩa Việt Nam"),
        ("§éc lËp - Tù do - H¹nh phóc", "Độc lập - Tự do - Hạnh phúc"),
        ("Uû ban nh©n d©n tØnh T©y Ninh", "Uỷ ban nhân dân tỉnh Tây Ninh"),
        ("ph­¬ng h­íng", "phương hướng"),
    ],
)
def test_tcvn3_as_documents_show_it(legacy: str, unicode: str) -> None:
    assert tcvn3_to_unicode(legacy) == unicode


def test_tcvn3_puts_back_the_u_horn_lost_with_soft_hyphens() -> None:
    # ư is 0xAD, the soft hyphen, which PDF and Word extractors often drop.
    assert tcvn3_to_unicode("ph¬ng h­íng c¬ quan, s¬n, ®­îc") == "phương hướng cơ quan, sơn, được"


@pytest.mark.parametrize(
    ("legacy", "unicode"),
    [
        ("CéNG HßA X· HéI CHñ NGHÜA VIÖT NAM", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        ("I. MôC §ÝCH, Y£U CÇU", "I. MỤC ĐÍCH, YÊU CẦU"),
        ("Sè: 125/KH-UBND", "Số: 125/KH-UBND"),
        ("ñy ban nh©n d©n", "ủy ban nhân dân"),  # a lone capital in `.VnTime` is lost for good
    ],
)
def test_vnitimeh_capitals_come_back_as_capitals(legacy: str, unicode: str) -> None:
    # `.VnTimeH` draws capitals at lowercase codes; ASCII capitals around them tell the case.
    assert tcvn3_to_unicode(legacy) == unicode


@pytest.mark.parametrize(
    ("legacy", "unicode"),
    [
        ("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", "Cộng hòa xã hội chủ nghĩa Việt Nam"),
        ("COÄNG HOØA XAÕ HOÄI CHUÛ NGHÓA VIEÄT NAM", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        ("Ñoäc laäp - Töï do - Haïnh phuùc", "Độc lập - Tự do - Hạnh phúc"),
        ("ngöôøi, möôïn, khuyeán, tyû, kyõ, yù", "người, mượn, khuyến, tỷ, kỹ, ý"),
    ],
)
def test_vni_as_documents_show_it(legacy: str, unicode: str) -> None:
    assert vni_to_unicode(legacy) == unicode


@pytest.mark.parametrize("sentence", SENTENCES)
def test_detects_each_encoding(sentence: str) -> None:
    assert detect_legacy_encoding(unicode_to_tcvn3(sentence)) == "tcvn3"
    assert detect_legacy_encoding(unicode_to_vni(sentence)) == "vni"
    assert detect_legacy_encoding(sentence) is None


@pytest.mark.parametrize(
    "text",
    [
        "Café crème brûlée à la française, señor Müller — naïve façade ×2 ±3 °C",
        "Báo cáo số liệu: Hà Nội, Đà Nẵng, TP. Hồ Chí Minh; tỷ lệ 95% (±2)",
        "Invoice No. 125 © 2021 — total 1.234.000 VND « paid » ¶ § ½",
        "ABC 123",
    ],
)
def test_leaves_unicode_and_other_languages_alone(text: str) -> None:
    assert fix_legacy_vietnamese(text) == (text, None)


def test_mixed_document_converts_only_legacy_lines() -> None:
    text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n" + unicode_to_tcvn3(
        SENTENCES[0] + " " + SENTENCES[1]
    )
    fixed, encoding = fix_legacy_vietnamese(text)
    assert encoding == "tcvn3"
    assert fixed == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n" + SENTENCES[0] + " " + SENTENCES[1]


@pytest.mark.parametrize(
    ("word", "expected"),
    [("nghiêng", True), ("Thường", True), ("quyền", True), ("giữ", True), ("hÐi", False)],
)
def test_vietnamese_syllable_shape(word: str, expected: bool) -> None:
    assert is_vietnamese_syllable(word) is expected


def test_unicode_document_with_one_pasted_legacy_line() -> None:
    body = "\n".join(SENTENCES[1:5])
    text = unicode_to_tcvn3("Uỷ ban nhân dân tỉnh Tây Ninh") + "\n" + body
    assert detect_legacy_encoding(text) is None  # the document as a whole is Unicode
    assert fix_legacy_vietnamese(text) == ("Uỷ ban nhân dân tỉnh Tây Ninh\n" + body, "tcvn3")

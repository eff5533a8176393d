"""Document numbers cited in Vietnamese texts: found in order, once, without false positives."""

from __future__ import annotations

import unicodedata

import pytest

from scraper.parsers.docnumbers import find_doc_numbers, normalize_doc_number


@pytest.mark.parametrize(
    "number",
    ["45-CV/BTGTU", "100/2015/QH13", "39/QĐ-CA", "31/VBHN-VPQH", "15/2012/NĐ-CP", "112/KH-UBND",
     "05-CT/TU", "1289/QĐ-TTg", "36-NQ/TW", "12/2020/TT-BGDĐT", "1234/UBND-VX", "16/CT-TTg",
     "612/BCA-C02", "15/2020/TT-BCA-C06"],
)  # fmt: skip
def test_finds_each_form_in_a_sentence(number: str) -> None:
    text = f"Thực hiện Công văn số {number} ngày 21/01/2021 của cơ quan cấp trên."
    assert find_doc_numbers(text) == [number]


def test_in_order_and_unique() -> None:
    text = (
        "Căn cứ Luật số 100/2015/QH13; Nghị định số 15/2012/NĐ-CP; "
        "thay thế Quyết định 39/QĐ-CA; căn cứ lại Luật số 100/2015/QH13."
    )
    assert find_doc_numbers(text) == ["100/2015/QH13", "15/2012/NĐ-CP", "39/QĐ-CA"]


@pytest.mark.parametrize(
    "text",
    [
        "ngày 26/01/2021",
        "từ 22/01 - 25/01/2021",
        "tỷ lệ 3/4 số hộ, 12/14 chỉ tiêu",
        "tháng 01/2021",
        "nhiệm kỳ 2015-2020 và 2020 - 2025",
        "https://thixa.tayninh.gov.vn/uploads/45-CV/BTGTU.pdf",
        "/tin-tuc/12/ABC-XY",
        "COVID-19/ABC",
        "phòng 5/C02, tầng 3/A1",
        "Khoản 3/Điều 5",
        "phòng 12-A/B",
        "0276.3822.123",
        "Không số",
    ],
)
def test_no_false_positives(text: str) -> None:
    assert find_doc_numbers(text) == []


def test_spaces_around_separators_are_tolerated_and_removed() -> None:
    assert find_doc_numbers("Kế hoạch số 112 / KH - UBND ngày 20/01/2021") == ["112/KH-UBND"]


def test_decomposed_text_is_found_composed() -> None:
    text = unicodedata.normalize("NFD", "Quyết định số 39/QĐ-UBND về việc")
    assert find_doc_numbers(text) == ["39/QĐ-UBND"]


def test_sentence_punctuation_is_not_part_of_the_number() -> None:
    assert find_doc_numbers("theo 05-CT/TU. Và 36-NQ/TW, cùng (52-NQ/TW)") == [
        "05-CT/TU",
        "36-NQ/TW",
        "52-NQ/TW",
    ]


def test_empty_and_none() -> None:
    assert find_doc_numbers("") == []
    assert find_doc_numbers(None) == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("45 - CV / BTGTU", "45-CV/BTGTU"),
        ("1289/qđ-TTg", "1289/QĐ-TTG"),
        (unicodedata.normalize("NFD", "39/QĐ-CA"), "39/QĐ-CA"),
        (" 100/2015/QH13 ", "100/2015/QH13"),
    ],
)
def test_normalize_doc_number(raw: str, expected: str) -> None:
    assert normalize_doc_number(raw) == expected

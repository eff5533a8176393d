"""Vietnamese dates: every form the portals show, day before month, UTC+7."""

from __future__ import annotations

import unicodedata

import pytest

from scraper.parsers.base import placeholder
from scraper.parsers.dates import document_date, find_dates, parse_vietnamese_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thứ ba - 26/01/2021 17:00", "2021-01-26T17:00:00+07:00"),
        ("26/1/2021", "2021-01-26"),
        ("26/01/2021", "2021-01-26"),
        ("26-01-2021", "2021-01-26"),
        ("26.01.2021", "2021-01-26"),
        ("26/01/2021 17h00", "2021-01-26T17:00:00+07:00"),
        ("26/01/2021 lúc 17h", "2021-01-26T17:00:00+07:00"),
        ("26/01/2021 5:00:00 PM", "2021-01-26T17:00:00+07:00"),
        ("26/01/2021 05:00:00 PM", "2021-01-26T17:00:00+07:00"),
        ("26/01/2021 12:30:00 AM", "2021-01-26T00:30:00+07:00"),
        ("26/01/2021 12:30:00 PM", "2021-01-26T12:30:00+07:00"),
        ("26/01/2021 17:00:00", "2021-01-26T17:00:00+07:00"),
        ("Thứ ba, 26/01/2021 - 17:00", "2021-01-26T17:00:00+07:00"),
        ("ngày 26 tháng 01 năm 2021", "2021-01-26"),
        ("Ngày 26 tháng 1 năm 2021", "2021-01-26"),
        ("Hà Nội, ngày 27 tháng 11 năm 2015", "2015-11-27"),
        ("Cập nhật lúc 17:00 ngày 26/01/2021", "2021-01-26T17:00:00+07:00"),
        ("Cập nhật : 04-04-2018 - 09:34", "2018-04-04T09:34:00+07:00"),
        ("Ngày đăng 09/09/2020 | 05:07 PM | View count: 842", "2020-09-09T17:07:00+07:00"),
        ("Monday, 24/05/2021, 22:38", "2021-05-24T22:38:00+07:00"),
        ("2021-01-26T17:00:00+07:00", "2021-01-26T17:00:00+07:00"),
        ("2021-01-26T10:00:00Z", "2021-01-26T10:00:00+00:00"),
        ("2021-01-26 17:00", "2021-01-26T17:00:00+07:00"),
        ("2021-01-26", "2021-01-26"),
        ("Chủ nhật - 07/03/2021 07:45", "2021-03-07T07:45:00+07:00"),
        ("CN, 07/03/2021", "2021-03-07"),
        ("Thứ ba - 26/01/2021 17:00 74 0", "2021-01-26T17:00:00+07:00"),
        # Joomla's Vietnamese "l, d F Y H:i" (K2's item date): no "ngày", no "năm"
        ("Thứ hai, 15 Tháng 4 2024 09:12", "2024-04-15T09:12:00+07:00"),
        ("15 tháng 04, 2024", "2024-04-15"),
        ("Cập nhật ngày 12/03/2021 02:30:00 CH", "2021-03-12T14:30:00+07:00"),
    ],
)
def test_parses_portal_forms(text: str, expected: str) -> None:
    assert parse_vietnamese_date(text) == expected


def test_decomposed_text_parses_like_composed() -> None:
    text = unicodedata.normalize("NFD", "Thứ bảy - 19/06/2021 11:00")
    assert parse_vietnamese_date(text) == "2021-06-19T11:00:00+07:00"


def test_day_comes_before_month() -> None:
    assert parse_vietnamese_date("03/02/2021") == "2021-02-03"


@pytest.mark.parametrize(
    "text",
    ["", "17h00", "5:00:00 PM", "31/02/2021", "26/13/2021", "Không rõ", "N/A", "01/2021"],
)
def test_no_or_invalid_date_is_none(text: str) -> None:
    assert parse_vietnamese_date(text) is None


def test_invalid_time_keeps_the_date() -> None:
    assert parse_vietnamese_date("26/01/2021 25:99") == "2021-01-26"


def test_malformed_open_graph_time_gives_only_the_date() -> None:
    assert parse_vietnamese_date("2021-01-26+0717:00:00") == "2021-01-26"


def test_timezone_is_configurable() -> None:
    assert parse_vietnamese_date("26/01/2021 17:00", tz="+00:00") == "2021-01-26T17:00:00+00:00"
    assert (
        parse_vietnamese_date("26/01/2021 17:00", default_tz="+08:00")
        == "2021-01-26T17:00:00+08:00"
    )


def test_none_input_is_none() -> None:
    assert parse_vietnamese_date(None) is None


def test_find_dates_in_order_without_repeats() -> None:
    text = "Tin A (20/01/2021) Tin B (19/01/2021) Tin C (20/01/2021) cập nhật 17:00 ngày 21/01/2021"
    assert find_dates(text) == ["2021-01-20", "2021-01-19", "2021-01-21T17:00:00+07:00"]


def test_find_dates_ignores_document_numbers_and_ranges() -> None:
    assert find_dates("Nghị định 15/2012/NĐ-CP, giai đoạn 2015-2020, tỷ lệ 3/4") == []


def test_a_document_date_of_timestamp_zero_is_no_date() -> None:
    # NukeViet's dispatch module prints an empty expiry date as the Unix epoch
    assert document_date("01/01/1970") is None
    assert document_date("01/01/1970 07:00") is None
    assert document_date("31/12/2024") == "2024-12-31"
    assert document_date("") is None


@pytest.mark.parametrize("value", ["", "  ", "N/A", "--", "...", "Đang cập nhật", "Chưa cập nhật"])
def test_placeholders_say_a_field_is_unknown(value: str) -> None:
    assert placeholder(value)


@pytest.mark.parametrize("value", ["Không số", "Nguyễn Văn Hòa", "Công văn đến", "12/2020/TT-BCA"])
def test_values_are_not_placeholders(value: str) -> None:
    assert not placeholder(value)

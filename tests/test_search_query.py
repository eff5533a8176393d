"""The query parser: clauses, operators, document-number detection, leniency."""

from __future__ import annotations

import pytest

from indexer.query import find_query_doc_numbers, looks_like_doc_number, parse_query


@pytest.mark.parametrize(
    "number", ["45-CV/BTGTU", "100/2015/QH13", "39/QĐ-CA", "31/VBHN-VPQH", "15/2012/NĐ-CP"]
)
def test_document_numbers_are_recognised(number: str) -> None:
    assert looks_like_doc_number(number)
    assert find_query_doc_numbers(f"công văn số {number} ngày 21/01/2021") == [number]


@pytest.mark.parametrize("text", ["26/01/2021", "2021", "COVID-19", "3/2", "đại hội"])
def test_dates_and_words_are_not_document_numbers(text: str) -> None:
    assert not looks_like_doc_number(text)


def test_or_binds_neighbours_and_words_are_anded() -> None:
    assert parse_query("sơ tán OR di dời dân").understood == "sơ tán OR di dời dân"
    query = parse_query("a OR b c").query
    assert type(query).__name__ == "And" and len(query.subqueries) == 2


def test_uppercase_vietnamese_words_are_words_not_operators() -> None:
    parsed = parse_query("KHÔNG SỐ VÀ HOẶC")
    assert parsed.understood == "KHÔNG SỐ VÀ HOẶC"
    assert "ANDNOT" not in str(parsed.query)


def test_unknown_field_is_searched_as_words() -> None:
    assert parse_query("foo:đại").understood == "foo đại"


def test_field_value_after_a_space_and_quoted_field_values() -> None:
    assert parse_query("title: đại").understood == "title:đại"
    assert parse_query('author:"Thanh Vi"').understood == 'author:"Thanh Vi"'


def test_negation_forms() -> None:
    assert parse_query("đảng -bộ").understood == parse_query("đảng NOT bộ").understood == "đảng -bộ"
    only_negative = parse_query("-covid")
    assert "Every" in type(only_negative.query.a).__name__ or "*" in str(only_negative.query)


def test_star_alone_is_every_record() -> None:
    from whoosh import query as wq

    assert parse_query("*").query == wq.Every()
    assert parse_query(" * ").understood == "everything"
    assert parse_query("* portal:tayninh").understood == "everything portal:tayninh"

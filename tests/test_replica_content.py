"""The replica portal's content: the ground truth that crawl and parser tests compare with."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from scraper.replica.content import (
    AUTHOR_STYLES,
    SIGNATURE_FORMATS,
    TEXT_FORMS,
    Site,
    expected_record,
    load_articles,
    load_categories,
    load_laws,
    load_site,
    make_alias,
)

SEED_FILE = (
    Path(__file__).resolve().parents[1].parent / "shared" / "seed" / "000_2f3901f23a3e45ac.txt"
)
SEED_TITLE = (
    "Tăng cường công tác thông tin, tuyên truyền Đại hội đại biểu toàn quốc lần thứ XIII của Đảng"
)
SEED_SIGNATURE = "Thanh Vi-BTG Thị ủy"

ARTICLE_KEYS = {
    "id", "category", "alias", "title", "published", "edited", "hometext", "paragraphs",
    "author_style", "author", "source", "signature_format", "tags", "views", "comments",
    "admin_login", "attachments",
}  # fmt: skip
LAW_KEYS = {
    "id", "alias", "title", "abstract", "number", "doc_type", "field", "issuer", "signer",
    "issued", "effective", "expires", "status", "paragraphs", "attachments",
}  # fmt: skip
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00\+07:00$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ALIAS = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
UPLOAD = re.compile(r"^\d{4}_\d{2}/[a-z0-9][a-z0-9.-]*\.(?:pdf|docx?)$")


def _strings(value: object) -> list[str]:
    """Every string inside a JSON-like value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _seed_article() -> dict:
    """The article the seed page shows."""
    return next(a for a in load_articles() if a["title"] == SEED_TITLE)


def test_site_has_enough_articles_and_laws() -> None:
    site = load_site()
    assert isinstance(site, Site)
    assert len(site.articles) >= 44
    assert len(site.laws) >= 10
    assert site.name and site.url_name


def test_site_is_frozen_and_every_load_is_a_fresh_copy() -> None:
    site = load_site()
    with pytest.raises(dataclasses.FrozenInstanceError):
        site.name = "x"  # type: ignore[misc]
    site.articles[0]["title"] = "changed"
    site.articles.pop()
    assert load_articles()[0]["title"] != "changed"
    assert len(load_articles()) == len(site.articles) + 1


def test_articles_have_exactly_the_schema_keys() -> None:
    for article in load_articles():
        assert set(article) - {"text_form"} == ARTICLE_KEYS, article["id"]


def test_laws_have_exactly_the_schema_keys() -> None:
    for law in load_laws():
        assert set(law) == LAW_KEYS, law["id"]


def test_ids_and_aliases_are_unique() -> None:
    articles, laws = load_articles(), load_laws()
    assert len({a["id"] for a in articles}) == len(articles)
    assert len({a["alias"] for a in articles}) == len(articles)
    assert len({d["id"] for d in laws}) == len(laws)
    assert len({d["alias"] for d in laws}) == len(laws)
    assert all(isinstance(x["id"], int) for x in [*articles, *laws])


def test_aliases_follow_the_nukeviet_slug_rule() -> None:
    for item in [*load_articles(), *load_laws()]:
        assert ALIAS.match(item["alias"]), item["alias"]
        assert item["alias"] == make_alias(item["title"]), item["id"]


@pytest.mark.parametrize(
    ("title", "alias"),
    [
        ("Đại hội XIII của Đảng", "dai-hoi-xiii-cua-dang"),
        ("Kế hoạch số 112/KH-UBND", "ke-hoach-so-112-kh-ubnd"),
        ("Quyết định số 39/QĐ-CA", "quyet-dinh-so-39-qd-ca"),
        ('  Tỷ lệ 99,7% - "ngày hội" ', "ty-le-99-7-ngay-hoi"),
    ],
)
def test_make_alias(title: str, alias: str) -> None:
    assert make_alias(title) == alias
    assert make_alias(unicodedata.normalize("NFD", title)) == alias


def test_categories_are_used_and_one_listing_reaches_page_three() -> None:
    aliases = {c["alias"] for c in load_categories()}
    per_category = Counter(a["category"] for a in load_articles())
    assert set(per_category) <= aliases
    assert len(per_category) >= 5
    assert max(per_category.values()) > 20


def test_articles_span_at_least_three_years() -> None:
    years = {a["published"][:4] for a in load_articles()}
    assert len(years) >= 3


def test_each_author_style_is_used_at_least_six_times() -> None:
    styles = Counter(a["author_style"] for a in load_articles())
    assert set(styles) == set(AUTHOR_STYLES)
    assert min(styles.values()) >= 6


def test_author_and_source_match_the_author_style() -> None:
    for a in load_articles():
        style = a["author_style"]
        assert (a["signature_format"] in SIGNATURE_FORMATS) == (style == "signature"), a["id"]
        if style == "signature":
            assert a["author"] and a["source"] is None, a["id"]
        elif style == "block":
            assert a["author"], a["id"]
        elif style in ("source", "theo"):
            assert a["author"] is None and a["source"], a["id"]
        else:
            assert a["author"] is None and a["source"] is None, a["id"]


def test_body_does_not_hold_the_signature_or_theo_line() -> None:
    for a in load_articles():
        last = a["paragraphs"][-1]
        short = len(last.split()) <= 8  # a long "Theo báo cáo ..." sentence is body text
        assert not (short and last.startswith(("Theo ", "Nguồn", "Tác giả"))), a["id"]
        if a["author"]:
            assert last != a["author"], a["id"]


def test_article_dates_views_and_extras_are_well_formed() -> None:
    articles = load_articles()
    for a in articles:
        assert ISO_TIME.match(a["published"]) and ISO_TIME.match(a["edited"]), a["id"]
        assert a["edited"] > a["published"], a["id"]
        assert a["views"] >= 0 and a["comments"] >= 0, a["id"]
        assert a["admin_login"], a["id"]
        assert 3 <= len(a["paragraphs"]) and a["hometext"], a["id"]
        assert a.get("text_form", "nfc") in TEXT_FORMS, a["id"]
        for attachment in a["attachments"]:
            assert UPLOAD.match(attachment["file"]) and attachment["title"], a["id"]
    forms = Counter(a.get("text_form", "nfc") for a in articles)
    assert forms["nfd"] >= 2 and forms["entities"] >= 1
    assert sum(a["views"] >= 1000 for a in articles) >= 3
    assert sum(bool(a["attachments"]) for a in articles) >= 3
    assert any(a["published"][11:13] == "12" for a in articles)  # 12-hour listing clock


def test_law_fields_are_well_formed() -> None:
    laws = load_laws()
    for d in laws:
        assert ISO_DATE.match(d["issued"]), d["id"]
        for key in ("effective", "expires"):
            assert d[key] is None or ISO_DATE.match(d[key]), d["id"]
        assert d["status"] in ("Còn hiệu lực", "Hết hiệu lực"), d["id"]
        assert d["abstract"] and d["issuer"] and d["signer"] and d["field"], d["id"]
        assert d["number"] in d["title"] or d["number"] == "Không số", d["id"]
        assert 3 <= len(d["paragraphs"]) <= 12, d["id"]
        for attachment in d["attachments"]:
            assert UPLOAD.match(attachment["file"]) and attachment["title"], d["id"]
    assert [d["number"] for d in laws].count("Không số") == 1
    assert {"Công văn", "Kế hoạch", "Chỉ thị", "Quyết định", "Thông báo"} <= {
        d["doc_type"] for d in laws
    }


def test_the_dispatch_the_seed_article_cites_is_a_law() -> None:
    law = next(d for d in load_laws() if d["number"] == "45-CV/BTGTU")
    assert law["issued"] == "2021-01-21"
    assert law["issuer"] == "Ban Tuyên giáo Thị ủy"
    assert "45-CV/BTGTU" in "\n".join(_seed_article()["paragraphs"])


def test_all_text_is_nfc_without_stray_whitespace() -> None:
    site = load_site()
    for text in _strings([site.name, site.categories, site.articles, site.laws]):
        assert unicodedata.is_normalized("NFC", text), text[:60]
        assert text == " ".join(text.split()), text[:60]


def test_seed_article_metadata() -> None:
    a = _seed_article()
    assert a["published"] == "2021-01-26T17:00:00+07:00"
    assert (a["views"], a["comments"]) == (74, 0)
    assert (a["author_style"], a["author"], a["source"]) == ("signature", SEED_SIGNATURE, None)
    assert a["hometext"] == SEED_TITLE
    assert a["paragraphs"][0].startswith("Công tác tuyên truyền Đại hội XIII")
    assert a["paragraphs"][-1].endswith("tổ chức chính trị quốc tế đối với Đại hội.")


@pytest.mark.skipif(not SEED_FILE.is_file(), reason="shared/seed is not beside the repository")
def test_seed_article_equals_the_seed_page_body() -> None:
    lines = [" ".join(line.split()) for line in SEED_FILE.read_text(encoding="utf-8").splitlines()]
    lines = [unicodedata.normalize("NFC", line) for line in lines if line]
    assert lines[0] == SEED_TITLE
    assert lines[1] == "Thứ ba - 26/01/2021 17:00 74 0"
    start = lines.index(SEED_TITLE, 1) + 1
    end = lines.index(SEED_SIGNATURE)
    assert _seed_article()["paragraphs"] == lines[start:end]


def test_expected_record_of_an_article() -> None:
    a = _seed_article()
    record = expected_record(a, "article")
    assert record["kind"] == "article"
    assert record["title"] == SEED_TITLE
    assert record["published"] == "2021-01-26T17:00:00+07:00"
    assert (record["author"], record["source"]) == (SEED_SIGNATURE, None)
    assert record["summary"] == SEED_TITLE
    assert record["body"] == "\n\n".join(a["paragraphs"])
    assert SEED_SIGNATURE not in record["body"]
    assert record["category"] == "Tin tức - Sự kiện"
    assert record["doc_number"] is None


def test_expected_record_attribution_per_style() -> None:
    for a in load_articles():
        record = expected_record(a, "article")
        style = a["author_style"]
        assert (record["author"] is not None) == (style in ("signature", "block")), a["id"]
        if style in ("source", "theo"):
            assert record["source"] == a["source"], a["id"]


def test_expected_record_of_a_law() -> None:
    law = next(d for d in load_laws() if d["number"] == "112/KH-UBND")
    record = expected_record(law, "document")
    assert record == expected_record(law, "law")
    assert record["kind"] == "document"
    assert record["published"] == law["issued"] == "2021-01-12"
    assert record["doc_number"] == "112/KH-UBND"
    assert record["doc_type"] == "Kế hoạch"
    assert record["issuer"] == "UBND thị xã Trảng Bàng"
    assert record["signer"] == record["author"] == law["signer"]
    assert record["summary"] == law["abstract"]
    assert record["effective"] == "2021-01-12" and record["expires"] == "2021-03-01"


def test_expected_record_rejects_an_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        expected_record(load_laws()[0], "listing")

"""Search behaviour on the curated corpus: folding, exact mode, phrases, numbers, filters, facets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexer.errors import NoIndexError, QueryError
from indexer.search import search
from tests.test_search_corpus import CORPUS, build_corpus_index, url_of


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_corpus_index(tmp_path_factory.mktemp("search") / "index")


def urls(results) -> list[str]:
    return [hit.record["url"] for hit in results.hits]


@pytest.mark.parametrize("query", ["dai hoi", "đại hội", "ĐẠI HỘI", "Đai hôi"])
def test_folded_search_finds_dai_hoi_with_or_without_accents(index_dir: Path, query: str) -> None:
    assert url_of("dai-hoi-dang-bo-1") in urls(search(index_dir, query))


def test_exact_mode_tells_dang_from_dang(index_dir: Path) -> None:
    party = urls(search(index_dir, "đảng", exact=True, limit=50))
    being = urls(search(index_dir, "đang", exact=True, limit=50))
    assert url_of("cong-trinh-cau-2") in being
    assert url_of("cong-trinh-cau-2") not in party
    assert url_of("lanh-dao-5") in party
    assert url_of("lanh-dao-5") not in being


def test_exact_prefix_in_the_query_works_like_the_flag(index_dir: Path) -> None:
    assert urls(search(index_dir, "=đang", limit=50)) == urls(
        search(index_dir, "đang", exact=True, limit=50)
    )


def test_folded_mode_ranks_the_accent_exact_match_first(index_dir: Path) -> None:
    hits = urls(search(index_dir, "đang", limit=50))
    assert hits[0] == url_of("cong-trinh-cau-2")
    assert url_of("lanh-dao-5") in hits


@pytest.mark.parametrize(
    ("query", "aliases"),
    [
        ("hòa", {"hoa-binh-3", "hoa-binh-4"}),
        ("hoà", {"hoa-binh-3", "hoa-binh-4"}),
        ("thủy", {"hoa-binh-3", "hoa-binh-4"}),
        ("thuỷ", {"hoa-binh-3", "hoa-binh-4"}),
        ("khỏe", {"hoa-binh-3", "hoa-binh-4"}),
        ("quý", {"hoa-binh-4"}),
    ],
)
def test_exact_mode_matches_every_tone_placement(index_dir: Path, query: str, aliases) -> None:
    found = set(urls(search(index_dir, query, exact=True, limit=50)))
    assert found >= {url_of(a) for a in aliases}


def test_phrase_keeps_cua(index_dir: Path) -> None:
    found = urls(search(index_dir, '"lãnh đạo của Đảng"'))
    assert found == [url_of("lanh-dao-5")]
    assert url_of("lanh-dao-6") in urls(search(index_dir, '"lãnh đạo Đảng"'))
    assert url_of("lanh-dao-5") not in urls(search(index_dir, '"lãnh đạo Đảng"'))


def test_exact_phrase_checks_accents(index_dir: Path) -> None:
    assert urls(search(index_dir, '"đang được thi công"', exact=True)) == [
        url_of("cong-trinh-cau-2")
    ]
    assert search(index_dir, '"đảng được thi công"', exact=True).total == 0


@pytest.mark.parametrize(
    "query", ["45-CV/BTGTU", '"công văn số 45-CV/BTGTU"', "number:45-CV/BTGTU", "45-cv/btgtu"]
)
def test_doc_number_ranks_its_document_first_then_citers(index_dir: Path, query: str) -> None:
    found = urls(search(index_dir, query))
    assert found[0] == url_of("cong-van-45-cv-btgtu")
    assert set(found[1:]) == {url_of("tuyen-truyen-7"), url_of("tuyen-truyen-8")}


def test_doc_number_with_d_stroke_matches_unaccented_typing(index_dir: Path) -> None:
    for query in ("number:39/QĐ-CA", "39/QD-CA"):
        assert urls(search(index_dir, query))[0] == url_of("quyet-dinh-39-qd-ca")
    hit = search(index_dir, "39/QĐ-CA").hits[0]
    assert hit.match_in == "number"


def test_cited_number_finds_the_citing_document(index_dir: Path) -> None:
    hit = search(index_dir, "15/2012/NĐ-CP").hits[0]
    assert hit.record["url"] == url_of("quyet-dinh-39-qd-ca")
    assert "refs" in hit.matched_in


def test_title_match_ranks_above_body_only(index_dir: Path) -> None:
    found = urls(search(index_dir, "tuyên dương"))
    assert found[0] == url_of("nfd-12")
    found = urls(search(index_dir, "hội nghị"))
    assert found[0] == url_of("lanh-dao-6")


def test_decomposed_record_text_is_searchable(index_dir: Path) -> None:
    assert urls(search(index_dir, "học sinh giỏi")) == [url_of("nfd-12")]


def test_attachment_text_is_searched_and_marked(index_dir: Path) -> None:
    hits = search(index_dir, "sơ tán").hits
    assert [h.record["url"] for h in hits] == [url_of("dinh-kem-9")]
    assert hits[0].match_in == "attachment"
    assert "«sơ» «tán»" in hits[0].highlighted()


def test_snippet_highlights_query_words_in_body(index_dir: Path) -> None:
    hit = search(index_dir, "thi công").hits[0]
    assert "«thi» «công»" in hit.highlighted()
    assert hit.snippet.startswith("Công trình đang")
    assert hit.matched_in == ["title", "body"]


def test_or_and_not(index_dir: Path) -> None:
    either = set(urls(search(index_dir, '"sơ tán" OR "thi công"', limit=50)))
    assert either == {url_of("dinh-kem-9"), url_of("cong-trinh-cau-2")}
    without = urls(search(index_dir, "lãnh đạo -bộ", limit=50))
    assert without == [url_of("lanh-dao-5")]
    assert urls(search(index_dir, "lãnh đạo NOT bộ", limit=50)) == without


def test_field_queries(index_dir: Path) -> None:
    assert urls(search(index_dir, "title:tuyên")) == [url_of("nfd-12")] or set(
        urls(search(index_dir, "title:tuyên"))
    ) == {url_of("nfd-12"), url_of("tuyen-truyen-7"), url_of("cong-van-45-cv-btgtu")}
    assert set(urls(search(index_dir, "author:thanh vi", limit=50))) >= {
        url_of("dai-hoi-dang-bo-1"),
        url_of("tuyen-truyen-7"),
    }
    assert set(urls(search(index_dir, 'author:"Thanh Vi"', limit=50))) == {
        url_of("dai-hoi-dang-bo-1"),
        url_of("tuyen-truyen-7"),
    }
    assert set(urls(search(index_dir, "portal:congan thị"))) <= {url_of("quyet-dinh-39-qd-ca")}
    assert urls(search(index_dir, "kind:document ban hành")) == [url_of("quyet-dinh-39-qd-ca")]
    assert url_of("dai-hoi-dang-bo-1") in urls(search(index_dir, 'category:"Tin tức - Sự kiện"'))


def test_prefix_wildcard(index_dir: Path) -> None:
    found = set(urls(search(index_dir, "tuyen*", limit=50)))
    assert {url_of("nfd-12"), url_of("tuyen-truyen-7"), url_of("cong-van-45-cv-btgtu")} <= found


@pytest.mark.parametrize(
    "query",
    [
        '"đại hội',
        "đại hội)",
        "((đại hội",
        "title: đại hội",
        ":đại hội:",
        'đại "" hội',
        "đại hội OR",
        "- đại hội",
        "[đại] {hội}",
    ],
)
def test_junk_around_words_is_cleaned_not_an_error(index_dir: Path, query: str) -> None:
    assert url_of("dai-hoi-dang-bo-1") in urls(search(index_dir, query))


@pytest.mark.parametrize("query", ["", "   ", '"', "::", "()", "-", "OR", "title:"])
def test_query_with_nothing_searchable_is_a_clear_error(index_dir: Path, query: str) -> None:
    with pytest.raises(QueryError, match="nothing to search for"):
        search(index_dir, query)


def test_filters(index_dir: Path) -> None:
    assert {h.record["portal"] for h in search(index_dir, "thị", portal="tayninh").hits} <= {
        "tayninh"
    }
    assert set(urls(search(index_dir, "đảng", kind="document"))) == {url_of("cong-van-45-cv-btgtu")}
    assert set(urls(search(index_dir, "tuyên truyền", author="Thanh Vi"))) == {
        url_of("tuyen-truyen-7")
    }
    in_2021 = search(index_dir, "đảng", date_from="2021-01-01", date_to="2021-12-31", limit=50)
    assert in_2021.total == 5
    assert all(h.record["published"].startswith("2021") for h in in_2021.hits)
    assert search(index_dir, "đảng", date_from="2021-06", date_to="2021-06").total == 1
    assert search(index_dir, "đảng", date_from="26/01/2021", date_to="2021").total == 4


def test_sort_newest_and_oldest(index_dir: Path) -> None:
    newest = [h.record["published"] for h in search(index_dir, "thị", sort="newest", limit=50).hits]
    dated = [p for p in newest if p]
    assert dated == sorted(dated, reverse=True)
    oldest = [
        h.record["published"] for h in search(index_dir, "trảng bàng", sort="oldest", limit=50).hits
    ]
    assert oldest[-1] is None
    assert [p for p in oldest if p] == sorted(p for p in oldest if p)


def test_facets_count_every_hit(index_dir: Path) -> None:
    results = search(index_dir, "đảng", facets=True, limit=2)
    assert len(results.hits) == 2
    assert sum(results.facets["portal"].values()) == results.total
    assert sum(results.facets["year"].values()) == results.total
    assert results.facets["kind"] == {"article": results.total - 1, "document": 1}
    assert results.facets["year"]["2021"] == 5


def test_paging(index_dir: Path) -> None:
    everything = urls(search(index_dir, "thị", limit=100))
    pages = [urls(search(index_dir, "thị", limit=3, page=p)) for p in (1, 2, 3, 4, 5)]
    assert [u for page in pages for u in page] == everything
    assert search(index_dir, "thị", limit=3, page=2).pages == -(-len(everything) // 3)
    assert search(index_dir, "thị", limit=3, page=99).hits == []


def test_hit_carries_the_full_record(index_dir: Path) -> None:
    hit = search(index_dir, "39/QĐ-CA").hits[0]
    original = next(r for r in CORPUS if r["url"] == hit.record["url"])
    assert hit.record == original


def test_missing_index_raises(tmp_path: Path) -> None:
    with pytest.raises(NoIndexError):
        search(tmp_path / "nothing", "đảng")


def test_star_alone_matches_every_record_with_filters_sort_and_facets(index_dir: Path) -> None:
    everything = search(index_dir, "*", limit=100, facets=True)
    assert everything.total == len(CORPUS)
    assert sum(everything.facets["portal"].values()) == len(CORPUS)
    assert everything.understood == "everything"
    tayninh = search(index_dir, "*", portal="tayninh", sort="newest", limit=100)
    assert set(urls(tayninh)) == {url_of("hoa-binh-3"), url_of("hoa-binh-4")}
    assert urls(tayninh)[0] == url_of("hoa-binh-4")
    without = search(index_dir, "* -đảng", limit=100)
    assert without.total == len(CORPUS) - search(index_dir, "đảng").total
    assert search(index_dir, "* portal:antinh").total == 3


def _attachment_index(index_dir: Path) -> Path:
    from indexer.index import index_records
    from scraper.record import empty_record

    record = empty_record(
        "https://example.gov.vn/news/nao-vet-1.html",
        kind="article",
        portal="example",
        title="Nạo vét kênh tiêu",
        body="Huyện triển khai nạo vét kênh mương trước mùa mưa lũ, bảo đảm tiêu thoát nước.",
        attachments=[
            {
                "url": "https://example.gov.vn/uploads/ke-hoach.pdf",
                "title": "Kế hoạch.pdf",
                "text": "Phụ lục: khối lượng nạo vét dự kiến 12.000 m3 bùn đất tại kênh N8.",
            }
        ],
    )
    other = empty_record(
        "https://example.gov.vn/news/nao-vet-2.html",
        kind="article",
        portal="example",
        title="Nạo vét luồng lạch",
        body="Công tác nạo vét luồng lạch được thực hiện.",
    )
    index_records(index_dir, [record, other])
    return index_dir


@pytest.mark.parametrize(
    "query", ["attachment:nạo vét", "attachment:nao attachment:vet", 'attachment:"nạo vét"']
)
def test_attachment_field_query_matches_and_snippets_the_attachment(
    tmp_path: Path, query: str
) -> None:
    index_dir = _attachment_index(tmp_path / "index")
    results = search(index_dir, query)
    assert urls(results) == ["https://example.gov.vn/news/nao-vet-1.html"]
    hit = results.hits[0]
    assert hit.match_in == "attachment"
    assert hit.snippet.startswith("Phụ lục") or "12.000 m3" in hit.snippet
    assert "«nạo» «vét»" in hit.highlighted()


def test_unscoped_query_still_prefers_title_then_body(tmp_path: Path) -> None:
    index_dir = _attachment_index(tmp_path / "index")
    hit = search(index_dir, "nạo vét kênh").hits[0]
    assert hit.matched_in[:3] == ["title", "body", "attachment"]
    assert hit.snippet.startswith("Huyện triển khai")


def test_title_field_query_takes_the_snippet_from_the_title(tmp_path: Path) -> None:
    index_dir = _attachment_index(tmp_path / "index")
    hit = search(index_dir, "title:luồng").hits[0]
    assert hit.matched_in == ["title"]
    assert "«luồng»" in hit.highlighted()


def test_phrase_sets_equal_whooshs_own_phrase_matching(index_dir: Path) -> None:
    import random

    from whoosh import query as wq

    from indexer.analysis import bigrams, fold_word, words
    from indexer.docsets import DocSets
    from indexer.index import open_searcher

    rng = random.Random(5)
    phrases: list[wq.Phrase] = []
    for record in CORPUS:
        folded = [fold_word(w) for w in words(" ".join([record["title"], record["body"]]))]
        for _ in range(4):
            size = rng.randint(3, 6)
            start = rng.randrange(max(1, len(folded) - size))
            run = folded[start : start + size]
            shuffled = run[:]
            rng.shuffle(shuffled)  # the same words, mostly not adjacent in this order
            for chosen in (run, shuffled):
                if len(chosen) >= 3:
                    phrases.append(wq.Phrase("text_bi", bigrams(chosen)))
            later = folded[start + size + 3 : start + size + 6]
            if len(later) == 3:  # bigrams all in the record, but not one after the other
                phrases.append(wq.Phrase("text_bi", bigrams(run[:3]) + bigrams(later)))
        if record.get("author"):
            phrases.append(wq.Phrase("author", [fold_word(w) for w in words(record["author"])]))
    with open_searcher(index_dir) as searcher:
        sets = DocSets(searcher)
        matched = narrowed = 0
        for phrase in phrases:
            ours = set(np.flatnonzero(sets.evaluate(phrase)).tolist())
            assert ours == set(searcher.docs_for_query(phrase)), phrase
            every_word = sets.evaluate(wq.And([wq.Term(phrase.fieldname, w) for w in phrase.words]))
            matched += bool(ours)
            narrowed += len(ours) < int(every_word.sum())
    assert matched >= len(CORPUS)  # every record matched its own phrases at least
    assert narrowed  # and word order mattered: all the words present is not enough

"""BM25 ranking over posting blocks read whole, in place of Whoosh's per-posting matcher walk.

Whoosh scores by stepping a tree of matchers one posting at a time (`is_active`, `skip_to`,
`id` ... per posting, in Python); for a common word over tens of thousands of documents that
costs far more than the arithmetic. Here each scored term's posting list is read block by block
and its BM25 contribution added into one dict; the exact set of matching documents (from
`DocSets`) decides what is returned. Scores follow Whoosh's BM25F (B=0.75, K1=1.2, same idf),
summed over the query's terms with their boosts.
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Iterator

from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from indexer.docsets import SCORED_FIELDS, global_field_lengths

logger = logging.getLogger(__name__)

B = 0.75
K1 = 1.2
RANKED_FIELDS = frozenset(SCORED_FIELDS) | {"author", "attachments", "doc_number", "doc_refs"}
MAX_PREFIX_TERMS = 64
BYTE_LENGTHS = [byte_to_length(i) for i in range(256)]


def scored_terms(
    q: wq.Query, searcher: Searcher, boost: float = 1.0
) -> Iterator[tuple[str, str, float]]:
    """(field, text, boost) of every term that scores in a query; negated parts do not."""
    boost *= getattr(q, "boost", 1.0)
    if isinstance(q, wq.Term):
        if q.fieldname in RANKED_FIELDS:
            yield q.fieldname, q.text, boost
    elif isinstance(q, wq.Phrase):
        if q.fieldname in RANKED_FIELDS:
            for word in q.words:
                yield q.fieldname, word, boost
    elif isinstance(q, wq.Prefix):
        if q.fieldname in RANKED_FIELDS:
            reader = searcher.reader()
            for i, text in enumerate(reader.expand_prefix(q.fieldname, q.text)):
                if i >= MAX_PREFIX_TERMS:
                    break
                yield q.fieldname, text.decode("utf-8") if isinstance(text, bytes) else text, boost
    elif isinstance(q, wq.AndNot):
        yield from scored_terms(q.a, searcher, boost)
    elif isinstance(q, wq.AndMaybe):
        yield from scored_terms(q.a, searcher, boost)
        yield from scored_terms(q.b, searcher, boost)
    elif isinstance(q, wq.CompoundQuery):
        for sub in q.subqueries:
            yield from scored_terms(sub, searcher, boost)


def _postings(searcher: Searcher, field: str, text: str) -> Iterator[tuple[int, list, list]]:
    """(offset, ids, weights) per block of a term's posting list in every segment."""
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        if (field, text) not in reader:
            continue
        matcher = reader.postings(field, text)
        if isinstance(matcher, FilterMatcher):
            matcher = matcher.child  # deleted documents are dropped by the final docset
        if not isinstance(matcher, W3LeafMatcher):
            ids = list(matcher.all_ids())
            yield offset, ids, [1.0] * len(ids)
            continue
        while matcher.is_active():
            if matcher._ids is None:
                matcher._read_ids()
            if matcher._weights is None:
                matcher._read_weights()
            start = matcher._i
            yield offset, matcher._ids[start:], matcher._weights[start:]
            matcher._next_block()


def bm25_scores(searcher: Searcher, q: wq.Query) -> dict[int, float]:
    """Sum of BM25 contributions of the query's scored terms, per global docnum."""
    scores: dict[int, float] = {}
    get = scores.get
    merged: dict[tuple[str, str], float] = {}
    for field, text, boost in scored_terms(q, searcher):
        merged[(field, text)] = merged.get((field, text), 0.0) + boost
    for (field, text), boost in merged.items():
        if searcher.doc_frequency(field, text) == 0:
            continue
        weight = searcher.idf(field, text) * boost
        scorable = searcher.schema[field].scorable
        if scorable:
            lengths = global_field_lengths(searcher, field)
            avg = searcher.avg_field_length(field) or 1.0
            norms = [K1 * ((1 - B) + B * n / avg) for n in BYTE_LENGTHS]
        for offset, ids, weights in _postings(searcher, field, text):
            if scorable:
                for d, tf in zip(ids, weights, strict=False):
                    d += offset
                    scores[d] = get(d, 0.0) + weight * (tf * (K1 + 1)) / (tf + norms[lengths[d]])
            else:
                for d in ids:
                    d += offset
                    scores[d] = get(d, 0.0) + weight
    return scores


def rank(
    searcher: Searcher, q: wq.Query, docs: set[int], limit: int | None
) -> list[tuple[float, int]]:
    """The best `limit` (score, docnum) of `docs` for query `q` (all of them when None)."""
    scores = bm25_scores(searcher, q)
    get = scores.get
    if limit is None:
        ordered = sorted(docs, key=lambda d: (-get(d, 0.0), d))
    else:
        ordered = heapq.nsmallest(limit, docs, key=lambda d: (-get(d, 0.0), d))
    return [(get(d, 0.0), d) for d in ordered]

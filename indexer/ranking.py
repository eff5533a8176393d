"""BM25 ranking over posting blocks read whole, in place of Whoosh's per-posting matcher walk.

Whoosh scores by stepping a tree of matchers one posting at a time (`is_active`, `skip_to`,
`id` ... per posting, in Python); for a common word over tens of thousands of documents that
costs far more than the arithmetic. Here each scored term's posting list is read block by block
and its BM25 contribution added into one dict; the exact set of matching documents (from
`DocSets`) decides what is returned. Scores follow Whoosh's BM25F (B=0.75, K1=1.2, same idf),
summed over the query's terms with their boosts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from math import log

import numpy as np
from whoosh import query as wq
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from indexer.docsets import SCORED_FIELDS, global_field_lengths, term_postings

logger = logging.getLogger(__name__)

B = 0.75
K1 = 1.2
RANKED_FIELDS = frozenset(SCORED_FIELDS) | {"author", "attachments", "doc_number", "doc_refs"}
MAX_PREFIX_TERMS = 64
BYTE_LENGTHS = np.array([byte_to_length(i) for i in range(256)], dtype=np.float64)


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


def length_norms(searcher: Searcher, field: str) -> np.ndarray:
    """BM25's length normalisation `K1 * (1 - B + B * length / average)` per length byte."""
    memo = searcher.__dict__.setdefault("_govarchive_norms", {})
    found = memo.get(field)
    if found is None:
        avg = searcher.avg_field_length(field) or 1.0
        memo[field] = found = K1 * ((1 - B) + B * BYTE_LENGTHS / avg)
    return found


def bm25_scores(searcher: Searcher, q: wq.Query) -> np.ndarray:
    """Sum of BM25 contributions of the query's scored terms, one float per global docnum."""
    doc_count = searcher.doc_count_all()
    scores = np.zeros(doc_count)
    merged: dict[tuple[str, str], float] = {}
    for field, text, boost in scored_terms(q, searcher):
        merged[(field, text)] = merged.get((field, text), 0.0) + boost
    for (field, text), boost in merged.items():
        ids, tf = term_postings(searcher, field, text)
        if not len(ids):
            continue
        # Whoosh's idf: its document frequency counts deleted documents too, as `ids` does.
        weight = (log(doc_count / (len(ids) + 1)) + 1) * boost
        if searcher.schema[field].scorable:
            # Same operations in the same order as Whoosh's BM25F, in doubles.
            norms = length_norms(searcher, field)[global_field_lengths(searcher, field)[ids]]
            scores[ids] += weight * (tf * (K1 + 1)) / (tf + norms)
        else:
            scores[ids] += weight
    return scores


def rank(
    searcher: Searcher, q: wq.Query, docs: np.ndarray, limit: int | None
) -> list[tuple[float, int]]:
    """The best `limit` (score, docnum) of the `docs` mask for query `q` (all when None)."""
    scores = bm25_scores(searcher, q)
    candidates = np.flatnonzero(docs)
    values = scores[candidates]
    if limit is not None and limit < len(candidates):
        # Keep every candidate scoring at least the limit-th best score (ties included),
        # then order those exactly: score descending, docnum ascending.
        threshold = np.partition(values, len(values) - limit)[len(values) - limit]
        keep = values >= threshold
        candidates, values = candidates[keep], values[keep]
    order = np.lexsort((candidates, -values))
    if limit is not None:
        order = order[:limit]
    return list(zip(values[order].tolist(), candidates[order].tolist(), strict=True))

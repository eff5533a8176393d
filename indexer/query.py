"""The search query language: words, "phrases", OR, NOT/-, field:value, prefix*, document numbers.

- `đại hội`: every word (AND), accents optional; `=đảng` or `exact=True`: accents must match.
- `"lãnh đạo của Đảng"`: adjacent words, nothing dropped (no stop words).
- `a OR b`, `a | b`: either (binds the two neighbouring terms); `-a`, `NOT a`: without.
- `title:`, `body:` (any text), `author:`, `attachment:` take a word or a "phrase";
  `portal:`, `kind:`, `category:`, `year:` are exact keyword filters; `number:` a document number.
- `tuyen*`: prefix (two letters at least); `*` alone: every record (filters, sort, facets apply).
- A document number (`45-CV/BTGTU`, `"công văn số 45-CV/BTGTU"`) finds that document first,
  then the records citing it (`doc_refs`, or the number written in their text).

Lenient by design: stray quotes, brackets and colons are cleaned away, never an error; only a
query with nothing searchable left raises QueryError.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from whoosh import query as wq

from indexer.analysis import bigrams, exact_word, fold_word, nfc, words
from indexer.errors import QueryError
from indexer.schema import category_key, normalize_doc_number

logger = logging.getLogger(__name__)

# Relevance: a title match beats a body-only match; an accent-exact match adds to a folded one.
TITLE_BOOST = 4.0
EXACT_BOOST = 1.0
TITLE_EXACT_BOOST = 2.0
DOC_NUMBER_BOOST = 50.0
DOC_REF_BOOST = 5.0
MIN_PREFIX = 2
MATCH_ALL = "*"

# Field names users may type for text: `body` means any text of the record (title included).
TEXT_QUERY_FIELDS = frozenset({"title", "body", "text", "author", "attachment", "attachments"})
KEYWORD_FIELDS = frozenset({"portal", "kind", "category", "year", "cms", "url"})
NUMBER_FIELDS = frozenset({"number", "doc_number", "so"})
EXACT_FIELDS = frozenset({"exact"})
ALL_FIELDS = TEXT_QUERY_FIELDS | KEYWORD_FIELDS | NUMBER_FIELDS | EXACT_FIELDS

# 45-CV/BTGTU, 100/2015/QH13, 39/QĐ-CA, 31/VBHN-VPQH, 15/2012/NĐ-CP
_DOC_NUMBER_CANDIDATE = re.compile(r"(?<![\w/])\d+(?:[/\-][^\W_]+)+")
_BRACKETS = "()[]{}<>"
_OR_WORDS = frozenset({"OR", "|", "||"})
_AND_WORDS = frozenset({"AND", "&", "&&"})
_NOT_WORDS = frozenset({"NOT"})


@dataclass
class Clause:
    """One unit of a parsed query before it becomes a Whoosh query."""

    kind: str  # "word", "phrase", "prefix", "number", "keyword", "all"
    words: list[str]
    field: str | None = None
    exact: bool = False
    negated: bool = False


@dataclass
class ParsedQuery:
    """A query ready to run, with what to highlight and what it was understood as."""

    query: wq.Query
    text: str
    highlight_folded: set[str] = field(default_factory=set)
    highlight_exact: set[str] = field(default_factory=set)
    highlight_prefixes: set[str] = field(default_factory=set)
    doc_numbers: list[str] = field(default_factory=list)
    scopes: list[str] = field(default_factory=list)
    understood: str = ""
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


def find_query_doc_numbers(text: str) -> list[str]:
    """Document numbers in query text: digits, then `/` or `-` parts, at least one `/` and a letter."""
    return [
        m
        for m in _DOC_NUMBER_CANDIDATE.findall(nfc(text))
        if "/" in m and any(ch.isalpha() for ch in m)
    ]


def looks_like_doc_number(text: str) -> bool:
    """True when `text` is shaped like a document number (`45-CV/BTGTU`, `15/2012/NĐ-CP`)."""
    text = nfc(text).strip()
    return find_query_doc_numbers(text) == [text]


def _scan(text: str) -> list[tuple[str, str]]:
    """Split raw query text into ("quoted", s) and ("bare", s) tokens; unbalanced quotes close at the end."""
    tokens: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace() or ch in _BRACKETS:
            i += 1
            continue
        if ch in '"“”„«»':
            j = i + 1
            while j < n and text[j] not in '"“”„«»':
                j += 1
            tokens.append(("quoted", text[i + 1 : j]))
            i = j + 1
            continue
        j = i
        while j < n and not text[j].isspace() and text[j] not in '"“”„«»' + _BRACKETS:
            j += 1
        tokens.append(("bare", text[i:j]))
        i = j
    return tokens


def _clauses_for_value(
    value: str, field_name: str | None, exact: bool, negated: bool, quoted: bool
) -> list[Clause]:
    """Clauses for one value typed alone or after `field:`."""
    value = value.strip()
    if not value:
        return []
    if value == MATCH_ALL and not quoted and field_name is None:
        return [Clause("all", [], negated=negated)]
    if field_name in KEYWORD_FIELDS:
        return [Clause("keyword", [value], field=field_name, negated=negated)]
    if field_name in NUMBER_FIELDS:
        found = find_query_doc_numbers(value)
        number = found[0] if found else value
        return [Clause("number", [number], negated=negated)]
    found_numbers = find_query_doc_numbers(value)
    if found_numbers:
        # "công văn số 45-CV/BTGTU": the number is what the researcher means; the label is noise.
        return [Clause("number", [num], negated=negated) for num in found_numbers]
    prefix = not quoted and value.endswith("*")
    tokens = words(value)
    if not tokens:
        return []
    if prefix and len(tokens) == 1:
        if len(tokens[0]) < MIN_PREFIX:
            logger.info("prefix %r too short, searched as a word", value)
            return [Clause("word", tokens, field=field_name, exact=exact, negated=negated)]
        return [Clause("prefix", tokens, field=field_name, exact=exact, negated=negated)]
    if len(tokens) == 1:
        return [Clause("word", tokens, field=field_name, exact=exact, negated=negated)]
    return [Clause("phrase", tokens, field=field_name, exact=exact, negated=negated)]


def parse_clauses(text: str) -> list[list[Clause]]:
    """Parse query text into AND-ed groups of OR-ed clauses."""
    groups: list[list[Clause]] = []
    pending_or = False
    pending_not = False
    pending_field: str | None = None
    pending_field_negated = False
    for kind, raw in _scan(nfc(text)):
        negated = False
        field_name: str | None = None
        exact = False
        quoted = kind == "quoted"
        value = raw
        if pending_field is not None:
            field_name, negated = pending_field, pending_field_negated
            pending_field = None
            if not quoted:
                # `title: word`: the field applies to the next bare word
                pass
        elif not quoted:
            if raw in _OR_WORDS:
                pending_or = bool(groups)
                continue
            if raw in _AND_WORDS:
                continue
            if raw in _NOT_WORDS:
                pending_not = True
                continue
            while value[:1] in ("-", "!") and len(value) > 1:
                negated = True
                value = value[1:]
            if value.startswith("=") and len(value) > 1:
                exact = True
                value = value[1:]
            if ":" in value and not looks_like_doc_number(value):
                name, _, rest = value.partition(":")
                name_key = name.lower()
                if name_key in ALL_FIELDS:
                    if not rest:
                        pending_field, pending_field_negated = name_key, negated or pending_not
                        pending_not = False
                        continue
                    field_name, value = name_key, rest
        negated = negated or pending_not
        pending_not = False
        if field_name in EXACT_FIELDS:
            field_name, exact = None, True
        if not quoted and field_name is None and ":" in value and not looks_like_doc_number(value):
            pieces = value.replace(":", " ").split()  # an unknown `name:value`: both are words
        else:
            pieces = [value]
        new = [
            clause
            for piece in pieces
            for clause in _clauses_for_value(piece, field_name, exact, negated, quoted)
        ]
        if not new:
            continue
        if pending_or and groups and not negated and not any(c.negated for c in groups[-1]):
            groups[-1].extend(new)
        else:
            groups.extend([c] for c in new)
        pending_or = False
    return groups


def _maybe(required: wq.Query, optional: list[wq.Query]) -> wq.Query:
    """`required` decides the match; `optional` only adds to the score."""
    if not optional:
        return required
    return wq.AndMaybe(required, optional[0] if len(optional) == 1 else wq.Or(optional))


def _word_query(clause: Clause, exact: bool) -> wq.Query:
    word = clause.words[0]
    folded, accented = fold_word(word), exact_word(word)
    accents = accented != folded
    where = clause.field
    if where == "title":
        if exact:
            return wq.Term("title_exact", accented)
        extra = [wq.Term("title_exact", accented, boost=TITLE_EXACT_BOOST)] if accents else []
        return _maybe(wq.Term("title", folded), extra)
    if where == "author":
        required = wq.Term("author", folded)
        return wq.And([required, wq.Term("text_exact", accented)]) if exact else required
    if where in ("attachment", "attachments"):
        required = wq.Term("attachments", folded)
        return wq.And([required, wq.Term("text_exact", accented)]) if exact else required
    if exact:
        return _maybe(
            wq.Term("text_exact", accented), [wq.Term("title_exact", accented, boost=TITLE_BOOST)]
        )
    optional: list[wq.Query] = [wq.Term("title", folded, boost=TITLE_BOOST)]
    if accents:
        optional.append(wq.Term("text_exact", accented, boost=EXACT_BOOST))
        optional.append(wq.Term("title_exact", accented, boost=TITLE_EXACT_BOOST))
    return _maybe(wq.Term("text", folded), optional)


def _prefix_query(clause: Clause, exact: bool) -> wq.Query:
    word = clause.words[0]
    suffix = "_exact" if exact else ""
    stem = exact_word(word) if exact else fold_word(word)
    if clause.field == "title":
        return wq.Prefix("title" + suffix, stem)
    if clause.field == "author" and not exact:
        return wq.Prefix("author", stem)
    if clause.field in ("attachment", "attachments") and not exact:
        return wq.Prefix("attachments", stem)
    return _maybe(
        wq.Prefix("text" + suffix, stem), [wq.Prefix("title" + suffix, stem, boost=TITLE_BOOST)]
    )


def _bigram_query(folded_words: list[str], field_name: str, boost: float = 1.0) -> wq.Query:
    """Folded phrase through a bigram field: two syllables are a single term lookup."""
    grams = bigrams(folded_words)
    if len(grams) == 1:
        return wq.Term(field_name, grams[0], boost=boost)
    return wq.Phrase(field_name, grams, boost=boost)


def _phrase_query(clause: Clause, exact: bool) -> wq.Query:
    folded = [fold_word(w) for w in clause.words]
    if clause.field == "author":
        return wq.Phrase("author", folded)
    if clause.field in ("attachment", "attachments"):
        # Adjacency on the record's bigrams, every word in the attachments.
        words_in = [wq.Term("attachments", w) for w in dict.fromkeys(folded)]
        required = wq.And([_bigram_query(folded, "text_bi"), *words_in])
        if exact:
            required = wq.And(
                [required, *(wq.Term("text_exact", exact_word(w)) for w in clause.words)]
            )
        return required
    if clause.field == "title":
        required = _bigram_query(folded, "title_bi")
        prefix = "title"
        optional: list[wq.Query] = []
    else:
        required = _bigram_query(folded, "text_bi")
        prefix = "text"
        optional = [_bigram_query(folded, "title_bi", TITLE_BOOST)]
    if exact:
        # Adjacency is checked on the folded bigrams, accents word by word.
        accented = [wq.Term(prefix + "_exact", exact_word(w)) for w in dict.fromkeys(clause.words)]
        required = wq.And([required, *accented])
    return _maybe(required, optional)


def _number_query(number: str) -> wq.Query:
    normalized = normalize_doc_number(number)
    parts: list[wq.Query] = [
        wq.Term("doc_number", normalized, boost=DOC_NUMBER_BOOST),
        wq.Term("doc_refs", normalized, boost=DOC_REF_BOOST),
    ]
    folded = [fold_word(w) for w in words(number)]
    if len(folded) >= 2:
        parts.append(_bigram_query(folded, "text_bi"))
    return wq.Or(parts)


def _keyword_query(clause: Clause) -> wq.Query:
    value = clause.words[0]
    if clause.field == "category":
        return wq.Term("category", category_key(value))
    if clause.field == "kind":
        return wq.Term("kind", value.lower())
    if clause.field == "portal":
        variants = {value, value.lower()}
        return wq.Or([wq.Term("portal", v) for v in sorted(variants)])
    return wq.Term(clause.field or "url", value)


def clause_query(clause: Clause, *, exact: bool = False) -> wq.Query:
    """The Whoosh query of one clause."""
    exact = exact or clause.exact
    if clause.kind == "all":
        return wq.Every()
    if clause.kind == "keyword":
        return _keyword_query(clause)
    if clause.kind == "number":
        return _number_query(clause.words[0])
    if clause.kind == "prefix":
        return _prefix_query(clause, exact)
    if clause.kind == "phrase":
        return _phrase_query(clause, exact)
    return _word_query(clause, exact)


def _describe(clause: Clause) -> str:
    if clause.kind == "all":
        return ("-" if clause.negated else "") + "everything"
    text = " ".join(clause.words)
    if clause.kind == "phrase":
        text = f'"{text}"'
    elif clause.kind == "prefix":
        text += "*"
    elif clause.kind == "number":
        text = f"number:{clause.words[0]}"
    if clause.field and clause.kind != "number":
        text = f"{clause.field}:{text}"
    if clause.exact:
        text = "=" + text
    return ("-" if clause.negated else "") + text


def parse_query(text: str, *, exact: bool = False) -> ParsedQuery:
    """Parse a user's query; raise QueryError only when nothing searchable remains."""
    groups = parse_clauses(text or "")
    positives: list[wq.Query] = []
    negatives: list[wq.Query] = []
    parsed = ParsedQuery(query=wq.NullQuery, text=text)
    described: list[str] = []
    for group in groups:
        if all(c.negated for c in group):
            negatives.extend(clause_query(c, exact=exact) for c in group)
            described.extend(_describe(c) for c in group)
            continue
        alternatives = [clause_query(c, exact=exact) for c in group]
        positives.append(alternatives[0] if len(alternatives) == 1 else wq.Or(alternatives))
        described.append(" OR ".join(_describe(c) for c in group))
        for clause in group:
            _collect_highlights(parsed, clause, exact)
    if not positives and not negatives:
        raise QueryError(f"nothing to search for in {text!r}")
    main: wq.Query = wq.And(positives) if len(positives) > 1 else (positives or [wq.Every()])[0]
    if negatives:
        main = wq.AndNot(main, wq.Or(negatives))
    parsed.query = main
    parsed.understood = " ".join(described)
    logger.debug("query %r understood as %s", text, parsed.understood)
    return parsed


def source_of(field_name: str | None) -> str:
    """The record part a clause's field is scoped to (`title`, `attachment`, `author`), or ""."""
    if field_name in ("attachment", "attachments"):
        return "attachment"
    if field_name in ("title", "author"):
        return field_name
    return ""


def _collect_highlights(parsed: ParsedQuery, clause: Clause, exact: bool) -> None:
    if clause.kind in ("word", "phrase", "prefix"):
        parsed.scopes.append(source_of(clause.field))
    if clause.kind == "number":
        parsed.doc_numbers.append(clause.words[0])
        parsed.highlight_folded.update(fold_word(w) for w in words(clause.words[0]))
        return
    if clause.kind in ("keyword", "all"):
        return
    if clause.kind == "prefix":
        parsed.highlight_prefixes.add(fold_word(clause.words[0]))
        return
    if exact or clause.exact:
        parsed.highlight_exact.update(exact_word(w) for w in clause.words)
    else:
        parsed.highlight_folded.update(fold_word(w) for w in clause.words)

"""The Whoosh schema over the govarchive record, and record → document conversion."""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from datetime import datetime, timedelta, timezone
from typing import Any

from whoosh.fields import DATETIME, ID, KEYWORD, STORED, Schema

from indexer.analysis import bigram_analyzer, exact_analyzer, folded_analyzer, nfc
from indexer.fastwrite import BIGRAM, EXACT, FOLDED, VText

logger = logging.getLogger(__name__)

VIETNAM_TZ = timezone(timedelta(hours=7))

# Every text of a record (title, summary, body, attachments, author/signer) goes into `text`
# (folded), `text_exact` (accent-exact) and `text_bi` (folded syllable bigrams, with positions),
# so a word is one posting list and a two-syllable phrase one term. The title is also indexed on
# its own (`title*`) to rank title matches first; `author` and `attachments` serve field queries.
TEXT_SOURCES: tuple[str, ...] = ("title", "summary", "body", "attachments", "author")
EXACT_SUFFIX = "_exact"

_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_SPACES = re.compile(r"\s+")


def normalize_doc_number(number: str) -> str:
    """Canonical form of a document number: NFC, unaccented, upper case, no spaces (`39/QD-CA`)."""
    text = unicodedata.normalize("NFD", nfc(number).strip())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("đ", "d").replace("Đ", "D")
    text = _DASHES.sub("-", text)
    return _SPACES.sub("", text).upper()


def build_schema() -> Schema:
    """Return the index schema (see docs: url unique, folded + exact text, bigrams, facets)."""
    folded = folded_analyzer()
    exact = exact_analyzer()
    bigram = bigram_analyzer()
    fields: dict[str, Any] = {
        "url": ID(unique=True, stored=True),
        "portal": ID(sortable=True),
        "kind": ID(sortable=True),
        "category": ID(),
        "cms": ID(),
        "doc_number": ID(),
        "doc_refs": KEYWORD(),
        "published": DATETIME(sortable=True),
        "undated": ID(sortable=True),
        "year": ID(sortable=True),
        "record": STORED(),
    }
    # VText: same analysis as the analyzers, computed once per record by FastSegmentWriter.
    for name in ("text", "title"):
        fields[name] = VText(FOLDED, folded, phrase=False)
        fields[name + EXACT_SUFFIX] = VText(EXACT, exact, phrase=False)
        fields[name + "_bi"] = VText(BIGRAM, bigram, phrase=True)
    fields["author"] = VText(FOLDED, folded, phrase=True)
    fields["attachments"] = VText(FOLDED, folded, phrase=False)
    return Schema(**fields)


def parse_published(value: str | None) -> datetime | None:
    """Parse the record's `published` into a naive datetime in Vietnam local time."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        logger.debug("unparseable published date %r", value)
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(VIETNAM_TZ).replace(tzinfo=None)
    return parsed


def category_key(value: str) -> str:
    """Folded, lower-case form of a category (or any keyword) used for exact filtering."""
    from indexer.analysis import fold_text

    return fold_text(value)


def attachments_text(record: dict[str, Any]) -> str:
    """Titles and extracted text of a record's attachments, as one text."""
    parts: list[str] = []
    for attachment in record.get("attachments") or []:
        if isinstance(attachment, dict):
            for key in ("title", "text"):
                if attachment.get(key):
                    parts.append(str(attachment[key]))
        elif attachment:
            parts.append(str(attachment))
    return "\n\n".join(parts)


def record_texts(record: dict[str, Any]) -> dict[str, str]:
    """The searchable text of each TEXT_SOURCES part of a record (NFC)."""
    texts = {
        "title": record.get("title") or "",
        "summary": record.get("summary") or "",
        "body": record.get("body") or "",
        "author": " ".join(
            str(v) for v in (record.get("author"), record.get("signer")) if v and str(v).strip()
        ),
        "attachments": attachments_text(record),
    }
    return {name: nfc(text) for name, text in texts.items()}


def record_to_document(record: dict[str, Any]) -> dict[str, Any]:
    """Convert a record into the keyword arguments of `writer.update_document`."""
    url = record["url"]
    doc: dict[str, Any] = {"url": url, "record": json.dumps(record, ensure_ascii=False)}
    for key in ("portal", "kind", "cms"):
        if record.get(key):
            doc[key] = str(record[key])
    if record.get("category"):
        category = record["category"]
        if isinstance(category, list):
            category = " ".join(str(c) for c in category)
        doc["category"] = category_key(str(category))
    texts = record_texts(record)
    everything = "\n\n".join(texts[name] for name in TEXT_SOURCES if texts[name])
    if everything:
        doc["text"] = doc["text_exact"] = doc["text_bi"] = everything
    if texts["title"]:
        doc["title"] = doc["title_exact"] = doc["title_bi"] = texts["title"]
    if texts["author"]:
        doc["author"] = texts["author"]
    if texts["attachments"]:
        doc["attachments"] = texts["attachments"]
    if record.get("doc_number"):
        doc["doc_number"] = normalize_doc_number(str(record["doc_number"]))
    refs = [normalize_doc_number(str(r)) for r in record.get("doc_refs") or [] if r]
    if refs:
        doc["doc_refs"] = " ".join(dict.fromkeys(refs))
    published = parse_published(record.get("published"))
    if published is not None:
        doc["published"] = published
        doc["year"] = str(published.year)
        doc["undated"] = "0"
    else:
        doc["undated"] = "1"
    return doc

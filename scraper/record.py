"""The govarchive record: one JSON object per archived page (see docs/architecture.md)."""

from __future__ import annotations

from typing import Any

RECORD_FIELDS: tuple[str, ...] = (
    "url",
    "portal",
    "kind",
    "title",
    "published",
    "author",
    "source",
    "summary",
    "body",
    "category",
    "tags",
    "doc_number",
    "doc_type",
    "issuer",
    "signer",
    "effective",
    "expires",
    "doc_refs",
    "attachments",
    "cms",
    "fetched",
    "digest",
    "warc_file",
    "warc_offset",
)

LIST_FIELDS: frozenset[str] = frozenset({"tags", "doc_refs", "attachments"})

KINDS: tuple[str, ...] = ("article", "document")


def empty_record(url: str, **fields: Any) -> dict[str, Any]:
    """Return a record with every field present: lists empty, the rest None, then `fields`."""
    record: dict[str, Any] = {name: ([] if name in LIST_FIELDS else None) for name in RECORD_FIELDS}
    record["url"] = url
    unknown = set(fields) - set(RECORD_FIELDS)
    if unknown:
        raise KeyError(f"not record fields: {sorted(unknown)}")
    record.update(fields)
    return record

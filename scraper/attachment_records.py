"""Attachment entries of a record: fetched bytes → extracted text, pages, OCR pages, sha1."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import unquote, urlsplit

from scraper.parsers.docnumbers import find_doc_numbers

logger = logging.getLogger(__name__)

ATTACHMENT_MAX_SIZE = 30 * 1024 * 1024


def attachment_entry(
    attachment: dict[str, Any],
    data: bytes | None,
    *,
    content_type: str = "",
    missing: str | None = None,
    ocr: bool = True,
) -> dict[str, Any]:
    """The record's entry for one attachment, with its text extracted from `data`."""
    from scraper.attachments import extract_attachment

    entry = {"url": attachment.get("url"), "title": attachment.get("title")}
    if data is None:
        entry.update(text=None, pages=None, ocr=[], sha1=None, missing=missing or "not fetched")
        return entry
    filename = unquote(urlsplit(entry["url"] or "").path.rsplit("/", 1)[-1])
    result = extract_attachment(data, filename=filename, content_type=content_type, ocr=ocr)
    entry.update(result.to_dict())
    if result.missing:
        logger.warning("attachment %s: text missing: %s", entry["url"], result.missing)
    return entry


def add_attachment_refs(record: dict[str, Any]) -> dict[str, Any]:
    """Add the document numbers cited in attachment texts to the record's `doc_refs`."""
    refs = list(record.get("doc_refs") or [])
    for attachment in record.get("attachments") or []:
        for number in find_doc_numbers(attachment.get("text") or ""):
            if number not in refs and number != record.get("doc_number"):
                refs.append(number)
    record["doc_refs"] = refs
    return record

"""Ground-truth content of the offline replica portal: a NukeViet town portal of Tây Ninh."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources
from typing import Any

SITE_FILE = "site.json"

AUTHOR_STYLES: tuple[str, ...] = ("signature", "block", "source", "theo", "none")
SIGNATURE_FORMATS: tuple[str, ...] = ("bold-right", "bold", "right")
TEXT_FORMS: tuple[str, ...] = ("nfc", "nfd", "entities")
RECORD_KINDS: dict[str, str] = {"article": "article", "document": "document", "law": "document"}


@dataclass(frozen=True)
class Site:
    """The replica portal: its name, news categories, articles and laws-module documents."""

    name: str
    url_name: str
    categories: list[dict]
    articles: list[dict]
    laws: list[dict]


def _read_site() -> dict[str, Any]:
    """Parse the packaged site.json afresh, so callers may mutate what they get."""
    text = resources.files(__name__).joinpath(SITE_FILE).read_text(encoding="utf-8")
    return json.loads(text)


def load_site() -> Site:
    """Return the whole replica content (a new copy on every call)."""
    data = _read_site()
    return Site(
        name=data["name"],
        url_name=data["url_name"],
        categories=data["categories"],
        articles=data["articles"],
        laws=data["laws"],
    )


def load_articles() -> list[dict]:
    """Return the news articles, oldest id first."""
    return load_site().articles


def load_laws() -> list[dict]:
    """Return the laws-module documents, oldest id first."""
    return load_site().laws


def load_categories() -> list[dict]:
    """Return the news categories as `{id, alias, title}` dicts."""
    return load_site().categories


def make_alias(title: str) -> str:
    """Return the NukeViet alias of a title: accents dropped, đ→d, lowercase, hyphens."""
    text = title.replace("Đ", "D").replace("đ", "d")
    text = unicodedata.normalize("NFD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def _nfc(value: Any) -> Any:
    """NFC-normalise strings, recursively through lists."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    return value


def expected_record(item: dict, kind: str) -> dict:
    """Return the content fields a correct parser extracts from the page of `item`."""
    record_kind = RECORD_KINDS.get(kind)
    if record_kind is None:
        raise ValueError(f"unknown kind {kind!r}: expected article or document")
    body = "\n\n".join(item["paragraphs"])
    if record_kind == "article":
        titles = {c["alias"]: c["title"] for c in load_categories()}
        style = item["author_style"]
        record = {
            "kind": "article",
            "title": item["title"],
            "published": item["published"],
            "author": item["author"] if style in ("signature", "block") else None,
            "source": item["source"] if style in ("block", "source", "theo") else None,
            "summary": item["hometext"] or None,
            "body": body,
            "category": titles[item["category"]],
            "tags": list(item["tags"]),
            "doc_number": None,
            "doc_type": None,
            "issuer": None,
            "signer": None,
            "effective": None,
            "expires": None,
        }
    else:
        record = {
            "kind": "document",
            "title": item["title"],
            "published": item["issued"],
            "author": item["signer"],
            "source": None,
            "summary": item["abstract"] or None,
            "body": body,
            "category": None,
            "tags": [],
            "doc_number": item["number"],
            "doc_type": item["doc_type"],
            "issuer": item["issuer"],
            "signer": item["signer"],
            "effective": item["effective"],
            "expires": item["expires"],
        }
    return {key: _nfc(value) for key, value in record.items()}

"""Plain text and HTML attachments: charset guessing and visible text."""

from __future__ import annotations

import codecs
import logging
import re

import lxml.html
from lxml import etree

from scraper.attachments.legacy import fix_legacy_vietnamese, vietnamese_score

logger = logging.getLogger(__name__)

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_DROP_TAGS = ("script", "style", "noscript", "template", "head")
_BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd div dl dt fieldset figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table td th tr ul".split()
)


def decode_text(data: bytes, declared: str | None = None) -> str:
    """Decode bytes of unknown charset: BOM, declared charset, UTF-8, then the best 8-bit guess."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, "replace")
    if declared:
        try:
            return data.decode(declared)
        except (LookupError, UnicodeDecodeError):
            logger.debug("declared charset %s does not fit", declared)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Old Vietnamese files: Windows-1258 (combining tones), or TCVN3/VNI bytes that read as
    # Windows-1252 and are converted later by the legacy-font pass.
    candidates = [data.decode(enc, "replace") for enc in ("cp1258", "cp1252")]
    return max(candidates, key=lambda text: vietnamese_score(fix_legacy_vietnamese(text)[0]))


def extract_txt(data: bytes) -> str:
    """Return the text of a plain-text file."""
    return decode_text(data)


def extract_html(data: bytes, declared: str | None = None) -> str:
    """Return the visible text of an HTML file, one line per block."""
    match = _META_CHARSET.search(data[:4096])
    text = decode_text(data, declared or (match.group(1).decode("ascii") if match else None))
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    if not text.strip():
        return ""
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return ""
    for bad in list(root.iter(*_DROP_TAGS)):
        bad.drop_tree()
    parts: list[str] = []
    _collect(root, parts)
    lines = [" ".join(line.split()) for line in "".join(parts).split("\n")]
    return "\n".join(line for line in lines if line)


def _collect(element: etree._Element, parts: list[str]) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    block = tag.lower() in _BLOCK_TAGS
    if block:
        parts.append("\n")
    if isinstance(element.tag, str) and element.text:
        parts.append(element.text)
    for child in element:
        _collect(child, parts)
        if child.tail:
            parts.append(child.tail)
    if block:
        parts.append("\n")

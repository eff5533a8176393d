"""Vietnamese document numbers (số kí hiệu): `45-CV/BTGTU`, `100/2015/QH13`, `39/QĐ-CA`."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["find_doc_numbers", "normalize_doc_number"]

# A number, then segments joined by "/" or "-": a year or a code of capitals ("QĐ", "UBND",
# "QH13", "TTg"). Not preceded by anything that would make it part of a path, URL or decimal.
_SEGMENT = r"(?:\d{4}(?![\w])|[A-ZĐ][A-Za-zĐđ0-9]{0,15}(?![\w]))"
# A digit first, then the look-behind over it and the character before: a pattern that
# starts with a character class lets the regex engine skip to the next digit in C.
_DOC_NUMBER = re.compile(
    r"(\d(?<![\w/.:\-]\d)\d{0,4}[a-z]?)((?:\s?[/\-]\s?" + _SEGMENT + r")+)(?![/\-]?\w)"
)
_SPLIT = re.compile(r"\s*[/\-]\s*")
_SPACES = re.compile(r"\s*([/\-])\s*")
_SPACE = re.compile(r"\s")


def _squeeze(s: str) -> str:
    """Return `s` without spaces around `/` and `-` (without a regex pass if it has none)."""
    return _SPACES.sub(_separator, s) if _SPACE.search(s) else s


def _separator(match: re.Match[str]) -> str:
    return match[1]


def normalize_doc_number(s: str) -> str:
    """Return `s` in NFC and upper case, without spaces around `/` and `-`."""
    s = unicodedata.normalize("NFC", s).strip().upper()
    return _squeeze(s)


def _is_code(segment: str) -> bool:
    letters = [c for c in segment if c.isalpha()]
    if not letters:
        return False
    upper = sum(1 for c in letters if c.isupper())
    return upper >= 2 and upper * 2 >= len(letters)


# A unit within an agency: "C02" in "612/BCA-C02" (Cục Cảnh sát hình sự of Bộ Công an).
_UNIT = re.compile(r"[A-ZĐ]\d{1,3}")


def _valid(number: str, tail: str) -> bool:
    if "/" not in tail:
        return False
    segments = [s for s in _SPLIT.split(tail) if s]
    codes = [s for s in segments if not s.isdigit()]
    if not codes or not _is_code(codes[0]):
        return False
    if not all(_is_code(s) or _UNIT.fullmatch(s) for s in codes[1:]):
        return False
    years = [s for s in segments if s.isdigit()]
    return all(1945 <= int(y) <= 2100 for y in years)


def find_doc_numbers(text: str | None) -> list[str]:
    """Return the document numbers cited in `text`, in order, each once, as written."""
    if not text:
        return []
    text = unicodedata.normalize("NFC", text)
    found: dict[str, str] = {}
    for match in _DOC_NUMBER.finditer(text):
        number, tail = match[1], match[2]
        if not _valid(number, tail):
            continue
        written = _squeeze(number + tail)
        found.setdefault(normalize_doc_number(written), written)
    return list(found.values())


def cited_numbers(text: str | None, own: str | None = None) -> list[str]:
    """Document numbers a text cites, leaving out the document's own number."""
    mine = normalize_doc_number(own) if own else None
    return [n for n in find_doc_numbers(text) if normalize_doc_number(n) != mine]

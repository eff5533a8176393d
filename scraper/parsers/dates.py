"""Vietnamese date and time parsing: every form the portals show, day before month always."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from scraper.parsers.text import fold_accents, normalize_text

__all__ = ["DEFAULT_TZ", "document_date", "find_dates", "parse_vietnamese_date"]

DEFAULT_TZ = "+07:00"

# Patterns run on accent-folded, lower-cased text ("Thứ ba" → "thu ba", "ngày" → "ngay").
# A digit first, then the look-behind over it and the character before: a pattern that
# starts with a character class lets the regex engine skip to the next digit in C.
_DMY = re.compile(r"(\d(?<![\d/.\-]\d)\d?)([/.\-])(\d{1,2})\2(\d{4})(?![\d/]|[.\-]\d)")
_YMD = re.compile(
    r"(\d(?<![\d/.\-]\d)\d{3})([\-/])(\d{1,2})\2(\d{1,2})"
    r"(?:[t ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*(z|[+\-]\d{2}:?\d{2})?)?(?![\d/])"
)
_WORDS = re.compile(r"ngay\s+(\d{1,2})\s+thang\s+(\d{1,2})\s*(?:,\s*)?nam\s+(\d{4})(?!\d)")
# Joomla's Vietnamese "l, d F Y": "Thứ hai, 15 Tháng 4 2024 09:12" (no "ngày", no "năm")
_DAY_MONTH_WORD = re.compile(r"(\d(?<!\d\d)\d?)\s+thang\s+(\d{1,2}),?\s+(\d{4})(?!\d)")
_TIME = (
    r"(?P<h>\d{1,2})\s*(?:(?::\s*(?P<m>\d{2})(?:\s*:\s*(?P<s>\d{2}))?)"
    r"|(?:h|g|gio)(?![a-z])\s*(?P<m2>\d{2})?(?:\s*(?:phut|p)(?![a-z]))?)"
    r"(?:\s*(?P<ap>a\.?m\.?|p\.?m\.?|sa|ch)(?![a-z]))?"
)
# A time right after the date ("26/01/2021 - 17:00", ", 22:38", " | 05:07 PM", " lúc 17h00")...
_TIME_AFTER = re.compile(r"\s*(?:[\-,|@]|luc|vao\s+luc|vao)?\s*(?:luc\s*)?" + _TIME + r"(?![\d:])")
# ...or right before it ("17:00 ngày 26/01/2021", "17:00 - 26/01/2021").
_TIME_BEFORE = re.compile(r"(?<![\d:])" + _TIME + r"\s*(?:[\-,|]\s*)?(?:ngay\s*)?$")


@dataclass(frozen=True)
class _Found:
    start: int
    end: int
    value: str


def _offset(tz: str) -> str:
    if tz.lower() == "z":
        return "+00:00"
    if re.fullmatch(r"[+\-]\d{4}", tz):
        return f"{tz[:3]}:{tz[3:]}"
    return tz


def _time_from(match: re.Match[str]) -> tuple[int, int, int] | None:
    hour = int(match["h"])
    minute = int(match["m"] or match["m2"] or 0)
    second = int(match["s"] or 0)
    marker = (match["ap"] or "").replace(".", "")
    if marker in ("am", "sa") and hour == 12:
        hour = 0
    elif marker in ("pm", "ch") and 1 <= hour < 12:
        hour += 12
    if hour > 23 or minute > 59 or second > 59:
        return None
    return hour, minute, second


def _format(
    year: int, month: int, day: int, time: tuple[int, int, int] | None, tz: str
) -> str | None:
    if not 1900 <= year <= 2100:
        return None
    try:
        date = dt.date(year, month, day)
    except ValueError:
        return None
    if time is None:
        return date.isoformat()
    hour, minute, second = time
    return f"{date.isoformat()}T{hour:02d}:{minute:02d}:{second:02d}{_offset(tz)}"


def _adjacent_time(text: str, start: int, end: int) -> tuple[int, int, int] | None:
    after = _TIME_AFTER.match(text, end, min(len(text), end + 30))
    if after:
        return _time_from(after)
    before = _TIME_BEFORE.search(text[max(0, start - 30) : start])
    if before:
        return _time_from(before)
    return None


def _scan(text: str, tz: str) -> list[_Found]:
    found: list[_Found] = []
    for m in _DMY.finditer(text):
        day, month, year = int(m[1]), int(m[3]), int(m[4])
        value = _format(year, month, day, _adjacent_time(text, m.start(), m.end()), tz)
        if value:
            found.append(_Found(m.start(), m.end(), value))
    for pattern in (_WORDS, _DAY_MONTH_WORD):
        for m in pattern.finditer(text):
            day, month, year = int(m[1]), int(m[2]), int(m[3])
            value = _format(year, month, day, _adjacent_time(text, m.start(), m.end()), tz)
            if value:
                found.append(_Found(m.start(), m.end(), value))
    for m in _YMD.finditer(text):
        year, month, day = int(m[1]), int(m[3]), int(m[4])
        if m[5] is not None:
            time = (int(m[5]), int(m[6]), int(m[7] or 0))
            if time[0] > 23 or time[1] > 59 or time[2] > 59:
                continue
            value = _format(year, month, day, time, m[8] or tz)
        else:
            value = _format(year, month, day, _adjacent_time(text, m.start(), m.end()), tz)
        if value:
            found.append(_Found(m.start(), m.end(), value))
    found.sort(key=lambda f: f.start)
    kept: list[_Found] = []
    for item in found:
        if kept and item.start < kept[-1].end:
            continue
        kept.append(item)
    return kept


def _prepare(s: str) -> str:
    return fold_accents(normalize_text(s)).lower()


def parse_vietnamese_date(
    s: str | None, *, tz: str = DEFAULT_TZ, default_tz: str | None = None
) -> str | None:
    """Return the first date in `s` as ISO 8601 (with offset if a time is shown), else None."""
    if not s:
        return None
    found = _scan(_prepare(s), default_tz or tz)
    return found[0].value if found else None


UNIX_EPOCH_DAY = "1970-01-01"
"""What a CMS prints for a date stored as timestamp 0: no date at all."""


def document_date(s: str | None) -> str | None:
    """Return a document field's date (`parse_vietnamese_date`), None for the Unix epoch."""
    value = parse_vietnamese_date(s)
    return None if value is None or value.startswith(UNIX_EPOCH_DAY) else value


def find_dates(text: str | None, *, tz: str = DEFAULT_TZ) -> list[str]:
    """Return every date in `text` as ISO 8601, in order of appearance, without repeats."""
    if not text:
        return []
    seen: dict[str, None] = {}
    for item in _scan(_prepare(text), tz):
        seen.setdefault(item.value, None)
    return list(seen)

"""Vietnamese text analysis: NFC, tone-placement normalisation, accent folding, syllable bigrams."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from itertools import pairwise

from whoosh.analysis import CompositeAnalyzer, Filter, RegexTokenizer, Token

logger = logging.getLogger(__name__)

WORD_PATTERN = r"\w+"
WORD_RE = re.compile(WORD_PATTERN)

# The five tone marks as combining characters; circumflex, breve and horn are letters, not tones.
TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
VOWELS = frozenset("aăâeêioôơuưy")
MARKED_VOWELS = frozenset("ăâêôơư")
# Open syllables whose "new style" puts the tone on the second vowel (hoà, khoẻ, thuỷ).
SECOND_VOWEL_PAIRS = frozenset({"oa", "oe", "uy"})
BIGRAM_JOINER = "_"


def nfc(text: str) -> str:
    """Return `text` in Unicode NFC (composed) form."""
    return unicodedata.normalize("NFC", text)


@lru_cache(maxsize=200_000)
def fold_word(word: str) -> str:
    """Lowercase and strip every diacritic, with đ→d: `Đại` → `dai`."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.replace("đ", "d")


def _tone_index(base: str) -> int | None:
    """Index in `base` (a toneless lowercase syllable) of the vowel that carries the tone."""
    start = 0
    if base.startswith("qu") and len(base) > 2 and base[2] in VOWELS:
        start = 2
    elif base.startswith("gi") and len(base) > 2 and base[2] in VOWELS:
        start = 2
    while start < len(base) and base[start] not in VOWELS:
        start += 1
    if start >= len(base):
        return None
    end = start
    while end < len(base) and base[end] in VOWELS:
        end += 1
    cluster = base[start:end]
    marked = [i for i, ch in enumerate(cluster) if ch in MARKED_VOWELS]
    if marked:
        return start + marked[-1]
    if len(cluster) == 1:
        return start
    if end < len(base):  # closed syllable: the last vowel (hoàng, tuyến)
        return end - 1
    if len(cluster) == 2:
        return start + (1 if cluster in SECOND_VOWEL_PAIRS else 0)
    return start + 1


@lru_cache(maxsize=200_000)
def exact_word(word: str) -> str:
    """Lowercase NFC with the tone mark on one canonical vowel: `hòa`, `hoà` → `hoà`; `qúy` → `quý`."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = [ch for ch in decomposed if ch in TONE_MARKS]
    if not tones:
        return unicodedata.normalize("NFC", decomposed)
    base = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in TONE_MARKS))
    index = _tone_index(base)
    if index is None:
        return unicodedata.normalize("NFC", decomposed)
    return unicodedata.normalize("NFC", base[: index + 1] + tones[0] + base[index + 1 :])


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in [*range(0x41, 0x250), *range(0x1E00, 0x1F00)]:
        ch = chr(cp)
        folded = fold_word(ch)
        if len(folded) == 1 and folded != ch:
            table[cp] = folded
    return table


FOLD_TABLE = _fold_table()


def _variants() -> dict[str, str]:
    variants: dict[str, set[str]] = {}
    for cp, folded in FOLD_TABLE.items():
        variants.setdefault(folded, {folded}).add(chr(cp))
    return {base: "".join(sorted(chars)) for base, chars in variants.items()}


ACCENT_VARIANTS = _variants()


def accent_insensitive_pattern(folded: str) -> str:
    """A regex matching `folded` with any case and any Vietnamese accents: `dai` → `[dDđĐ][aà…]i`."""
    out = []
    for ch in folded:
        chars = ACCENT_VARIANTS.get(ch)
        out.append(f"[{re.escape(chars)}]" if chars else re.escape(ch))
    return "".join(out)


def words(text: str) -> list[str]:
    """Split text into word tokens the way the index does (after NFC)."""
    return WORD_RE.findall(nfc(text))


def iter_word_spans(text: str) -> Iterator[tuple[str, int, int]]:
    """Yield (word, start, end) for each word of an NFC text."""
    for match in WORD_RE.finditer(text):
        yield match.group(), match.start(), match.end()


def fold_text(text: str) -> str:
    """Folded form of a whole text, word by word, joined by spaces."""
    return " ".join(fold_word(w) for w in words(text))


class NFCRegexTokenizer(RegexTokenizer):
    """A RegexTokenizer that normalises its input to NFC first (NFD would split syllables)."""

    def __init__(self) -> None:
        super().__init__(expression=WORD_PATTERN)

    def __call__(self, value: str, **kwargs):  # type: ignore[override]
        return super().__call__(nfc(value), **kwargs)


class FoldFilter(Filter):
    """Lowercase and accent-fold each token (đ→d)."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            t.text = fold_word(t.text)
            yield t


class ExactFilter(Filter):
    """Lowercase each token and put its tone mark in the canonical place."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            t.text = exact_word(t.text)
            yield t


class BigramFilter(Filter):
    """Replace syllables by adjacent-syllable pairs `dai_hoi`, at the first syllable's position."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        previous: str | None = None
        for t in tokens:
            current = t.text
            if previous is not None:
                t.text = previous + BIGRAM_JOINER + current
                if t.positions:
                    t.pos -= 1
                yield t
                if t.positions:
                    t.pos += 1
            previous = current


def folded_analyzer() -> CompositeAnalyzer:
    """Analyzer for the default (accent-insensitive) fields."""
    return NFCRegexTokenizer() | FoldFilter()


def exact_analyzer() -> CompositeAnalyzer:
    """Analyzer for the accent-sensitive fields."""
    return NFCRegexTokenizer() | ExactFilter()


def bigram_analyzer() -> CompositeAnalyzer:
    """Analyzer for the folded syllable-bigram fields (two-syllable phrases as one term)."""
    return NFCRegexTokenizer() | FoldFilter() | BigramFilter()


def bigrams(folded_words: list[str]) -> list[str]:
    """Folded syllable bigrams of a word list, in order."""
    return [a + BIGRAM_JOINER + b for a, b in pairwise(folded_words)]

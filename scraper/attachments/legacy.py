"""Legacy Vietnamese font encodings (TCVN3/ABC, VNI) detected in extracted text and made Unicode."""

from __future__ import annotations

import logging
import re
import unicodedata

logger = logging.getLogger(__name__)

# TCVN 5712:1993 (VN3, the ABC fonts `.VnTime`, `.VnArial`, ...): bytes 0xA1-0xFF. Written from
# the standard's table and checked against glibc's `TCVN5712-1` converter. Text set in these
# fonts comes out of Word, PDF and HTML as the Windows-1252/Latin-1 characters of the same bytes
# (`Céng hoµ x· héi`), which is the form this module reads. The uppercase "H" fonts (`.VnTimeH`)
# draw capitals at the lowercase codes, so their text comes back in lowercase. Bytes 0x80-0x9F
# (capitals with tone marks in VN1) are left alone: ABC fonts keep Windows punctuation there.
_TCVN3_HIGH = (
    "ĂÂÊÔƠƯĐăâêôơưđẰ"  # A1-AF
    "\u0300\u0309\u0303\u0301\u0323àảãáạẲằẳẵắẴ"  # B0-BF (B0-B4 combining tone marks)
    "ẮẦẨẪẤỀặầẩẫấậèỂẻẽ"  # C0-CF
    "éẹềểễếệìỉỄẾỒĩíịò"  # D0-DF
    "Ổỏõóọồổỗốộờởỡớợù"  # E0-EF
    "ỖủũúụừửữứựỳỷỹýỵỐ"  # F0-FF
)
TCVN3_TO_UNICODE: dict[str, str] = {chr(0xA1 + i): ch for i, ch in enumerate(_TCVN3_HIGH)}

# VNI-Windows (`VNI-Times`, ...): a base letter followed by a mark byte, read here as the
# Windows-1252 characters of those bytes. Written from the VNI keyboard/font layout (the same
# table the xvnkb and Unikey converters use): tone marks ù acute, ø grave, û hook, õ tilde,
# ï dot; â circumflex with á à å ã ä for circumflex + tone; ê breve with é è ú ü ë for breve +
# tone; single bytes ô ơ, ö ư, ñ đ, and í ì æ ó ò î for í ì ỉ ĩ ị ỵ. Capitals use the
# uppercase forms of the same bytes.
_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"
_CIRC, _BREVE, _HORN = "\u0302", "\u0306", "\u031b"
_VNI_TONES = {"ù": _ACUTE, "ø": _GRAVE, "û": _HOOK, "õ": _TILDE, "ï": _DOT}
_VNI_CIRC = {"â": "", "á": _ACUTE, "à": _GRAVE, "å": _HOOK, "ã": _TILDE, "ä": _DOT}
_VNI_BREVE = {"ê": "", "é": _ACUTE, "è": _GRAVE, "ú": _HOOK, "ü": _TILDE, "ë": _DOT}
_VNI_SINGLE = {
    "ô": "ơ",
    "ö": "ư",
    "ñ": "đ",
    "í": "í",
    "ì": "ì",
    "æ": "ỉ",
    "ó": "ĩ",
    "ò": "ị",
    "î": "ỵ",
}


def _build_vni() -> dict[str, str]:
    table: dict[str, str] = {}
    for upper in (False, True):

        def case(s: str, upper: bool = upper) -> str:
            return s.upper() if upper else s

        for base in "aeouy":
            for mark, comb in _VNI_TONES.items():
                table[case(base) + case(mark)] = unicodedata.normalize("NFC", case(base) + comb)
        for base in "aeo":
            for mark, comb in _VNI_CIRC.items():
                table[case(base) + case(mark)] = unicodedata.normalize(
                    "NFC", case(base) + _CIRC + comb
                )
        for mark, comb in _VNI_BREVE.items():
            table[case("a") + case(mark)] = unicodedata.normalize("NFC", case("a") + _BREVE + comb)
        for mark, letter in _VNI_SINGLE.items():
            table[case(mark)] = case(letter)
        for horned, base in (("ô", "o"), ("ö", "u")):
            for mark, comb in _VNI_TONES.items():
                table[case(horned) + case(mark)] = unicodedata.normalize(
                    "NFC", case(base) + _HORN + comb
                )
    return table


VNI_TO_UNICODE: dict[str, str] = _build_vni()
_VNI_PATTERN = re.compile("|".join(sorted(map(re.escape, VNI_TO_UNICODE), key=len, reverse=True)))

# Characters that are ordinary in Unicode Vietnamese and never produced by TCVN3/VNI bytes.
_VIET_UNICODE = re.compile("[ăĂđĐơƠưƯĩĨũŨ\u1ea0-\u1ef9]")
_LEGACY_HINT = re.compile("[\u00a1-\u00ff]")
_WORD = re.compile(r"[^\W\d_]+")

_ONSETS = "ngh|ng|gh|gi|kh|nh|ph|th|tr|ch|qu|[bcdđghklmnprstvx]"
_RIMES = (
    "a|ai|ao|au|ay|ă|â|âu|ây|e|eo|ê|êu|i|ia|iu|iê|iêu|o|oa|oai|oay|oă|oe|oi|oo|ô|ôi|ơ|ơi|"
    "u|ua|uâ|uây|uê|ui|uô|uôi|uy|uya|uyê|uyu|ư|ưa|ưi|ưu|ươ|ươi|ươu|y|yê|yêu|uơ"
)
_SYLLABLE = re.compile(rf"^(?:{_ONSETS})?(?:{_RIMES})(?:ng|nh|ch|[cmnpt])?$")
_TONE_MARKS = frozenset((_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT))


def is_vietnamese_syllable(word: str) -> bool:
    """Return True when `word` is spelled like one Vietnamese syllable (any tone, any case)."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = sum(1 for ch in decomposed if ch in _TONE_MARKS)
    if tones > 1:
        return False
    bare = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONE_MARKS))
    return bool(_SYLLABLE.match(bare))


def vietnamese_score(text: str) -> float:
    """Return the share of words in `text` that are Vietnamese syllables (0.0 when no words)."""
    words = _WORD.findall(unicodedata.normalize("NFC", text))
    if not words:
        return 0.0
    return sum(1 for w in words if is_vietnamese_syllable(w)) / len(words)


# ư is byte 0xAD, the soft hyphen, which text extractors often drop: `ph¬ng` for `ph­¬ng`.
# Vietnamese has no rime ơng/ơc/ơu, only ương/ước/ươu, so the lost ư can be put back.
_LOST_U_HORN = re.compile(r"(?<![ưừứửữựƯỪỨỬỮỰ])([ơờớởỡợƠỜỚỞỠỢ])(ng|NG|c|C|u|U)(?![^\W\d_])")


def tcvn3_to_unicode(text: str) -> str:
    """Convert text typed in a TCVN3 (ABC, `.VnTime`) font to Unicode NFC."""
    return "\n".join(_tcvn3_line(line) for line in text.split("\n"))


def _tcvn3_word(word: str) -> str:
    converted = unicodedata.normalize("NFC", "".join(TCVN3_TO_UNICODE.get(ch, ch) for ch in word))
    return _LOST_U_HORN.sub(
        lambda m: ("Ư" if m.group(1).isupper() else "ư") + m.group(0), converted
    )


def _tcvn3_line(line: str) -> str:
    # `.VnTimeH` headings: capitals typed as ASCII capitals plus lowercase-coded toned letters
    # (`CéNG HßA X· HéI`). A word whose ASCII letters are all capitals was set in capitals.
    parts = re.split(r"(\s+)", line)
    capital_words = [p for p in parts if sum(c.isascii() and c.isupper() for c in p) >= 2]
    all_caps = len(capital_words) >= 3 and not any(c.isascii() and c.islower() for c in line)
    out = []
    for part in parts:
        word = _tcvn3_word(part)
        letters = [c for c in part if c.isascii() and c.isalpha()]
        if all_caps or (len(letters) >= 2 and all(c.isupper() for c in letters)):
            word = word.upper()
        out.append(word)
    return "".join(out)


def vni_to_unicode(text: str) -> str:
    """Convert text typed in a VNI (`VNI-Times`) font to Unicode NFC."""
    converted = _VNI_PATTERN.sub(lambda m: VNI_TO_UNICODE[m.group(0)], text)
    return unicodedata.normalize("NFC", converted)


_UNICODE_TO_TCVN3: dict[str, str] = {}
for _code, _ch in TCVN3_TO_UNICODE.items():
    if len(_ch) == 1 and not unicodedata.combining(_ch):
        _UNICODE_TO_TCVN3.setdefault(_ch, _code)
_UNICODE_TO_VNI: dict[str, str] = {}
for _code, _ch in sorted(VNI_TO_UNICODE.items(), key=lambda kv: len(kv[0])):
    _UNICODE_TO_VNI.setdefault(_ch, _code)
_UNICODE_TO_VNI.update({"í": "í", "ì": "ì", "Í": "Í", "Ì": "Ì"})


def unicode_to_tcvn3(text: str) -> str:
    """Encode Unicode text as a `.VnTime` document holds it; capitals with tones become lowercase."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        code = _UNICODE_TO_TCVN3.get(ch)
        if code is None and ch != ch.lower():
            code = _UNICODE_TO_TCVN3.get(ch.lower())  # what `.VnTimeH` capitals are typed as
        out.append(code if code is not None else ch)
    return "".join(out)


def unicode_to_vni(text: str) -> str:
    """Encode Unicode text as a `VNI-Times` document holds it."""
    return "".join(_UNICODE_TO_VNI.get(ch, ch) for ch in unicodedata.normalize("NFC", text))


_CONVERTERS = {"tcvn3": tcvn3_to_unicode, "vni": vni_to_unicode}
MIN_LINE_WORDS = 5  # a line judged alone must be long enough to tell an encoding from a language


def detect_legacy_encoding(text: str) -> str | None:
    """Return "tcvn3" or "vni" when `text` reads as Vietnamese only after that conversion."""
    hints = len(_LEGACY_HINT.findall(text))
    if hints < 3:
        return None
    native = len(_VIET_UNICODE.findall(text))
    if native > hints:
        return None
    before = vietnamese_score(text)
    best, best_score = None, before
    for name, convert in _CONVERTERS.items():
        score = vietnamese_score(convert(text))
        if score > best_score:
            best, best_score = name, score
    if best is None or best_score < 0.6 or best_score - before < 0.1:
        return None
    return best


def fix_legacy_vietnamese(text: str) -> tuple[str, str | None]:
    """Convert TCVN3/VNI text to Unicode NFC line by line; return the text and the encoding found."""
    encoding = detect_legacy_encoding(text)
    if encoding is None:
        return _fix_legacy_lines(text)
    convert = _CONVERTERS[encoding]
    lines = []
    for line in text.split("\n"):
        # A document may mix legacy fonts with Unicode ones: convert only lines that gain.
        if _LEGACY_HINT.search(line) and not _VIET_UNICODE.search(line):
            converted = convert(line)
            if vietnamese_score(converted) >= vietnamese_score(line):
                line = converted
        lines.append(line)
    logger.debug("converted %s text to Unicode", encoding)
    return unicodedata.normalize("NFC", "\n".join(lines)), encoding


def _fix_legacy_lines(text: str) -> tuple[str, str | None]:
    """Convert the lines of a Unicode document that were typed in a legacy font (pasted parts)."""
    found: str | None = None
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if len(_WORD.findall(line)) < MIN_LINE_WORDS or _VIET_UNICODE.search(line):
            continue
        encoding = detect_legacy_encoding(line)
        if encoding is not None:
            lines[i] = _CONVERTERS[encoding](line)
            found = found or encoding
    if found is None:
        return text, None
    return unicodedata.normalize("NFC", "\n".join(lines)), found

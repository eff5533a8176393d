"""`extract_attachment`: the text of an attached file, whatever its type, and why any is missing."""

from __future__ import annotations

import hashlib
import io
import logging
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from scraper.attachments.legacy import fix_legacy_vietnamese
from scraper.attachments.markup import extract_html, extract_txt
from scraper.attachments.ocr import ocr_image_file, tesseract_status
from scraper.attachments.office import ExtractionError, extract_doc, extract_docx
from scraper.attachments.pdf import extract_pdf

logger = logging.getLogger(__name__)

KINDS: tuple[str, ...] = ("pdf", "docx", "doc", "txt", "html", "image", "unknown")

_IMAGE_MAGIC = (
    b"\xff\xd8\xff",  # JPEG
    b"\x89PNG\r\n\x1a\n",
    b"II*\x00",  # TIFF, little-endian
    b"MM\x00*",  # TIFF, big-endian
    b"GIF87a",
    b"GIF89a",
)

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_WORD_STREAM = "WordDocument".encode("utf-16-le")
_HTML_START = re.compile(
    rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b", re.I | re.S
)
_EXTENSIONS = {
    "pdf": "pdf",
    "docx": "docx",
    "docm": "docx",
    "doc": "doc",
    "dot": "doc",
    "txt": "txt",
    "text": "txt",
    "csv": "txt",
    "htm": "html",
    "html": "html",
    "xhtml": "html",
}
_CONTENT_TYPES = {
    "application/pdf": "pdf",
    "application/x-pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/msword": "doc",
    "text/plain": "txt",
    "text/html": "html",
    "application/xhtml+xml": "html",
}


@dataclass
class AttachmentText:
    """The text of one attachment, as the record's attachment entry carries it."""

    text: str
    pages: int | None
    ocr: list[int]
    sha1: str
    kind: str
    missing: str | None = None
    legacy_encoding: str | None = None
    page_texts: list[str] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Return the fields the record's attachment entry gets: text, pages, ocr, sha1, missing."""
        entry: dict[str, Any] = {
            "text": self.text,
            "pages": self.pages,
            "ocr": list(self.ocr),
            "sha1": self.sha1,
        }
        if self.missing:
            entry["missing"] = self.missing
        return entry


def detect_kind(data: bytes, *, filename: str = "", content_type: str = "") -> str:
    """Return the attachment kind: magic bytes first, then the extension, then the content type."""
    head = data[:2048]
    extension = filename.lower().rsplit("?", 1)[0].rsplit(".", 1)[-1] if "." in filename else ""
    named = _EXTENSIONS.get(extension)
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(_IMAGE_MAGIC) or _is_bmp(head):
        return "image"
    if head.startswith(_OLE2_MAGIC):
        # Excel and PowerPoint share the container; a truncated .doc may have lost the marker.
        return "doc" if _WORD_STREAM in data or named == "doc" else "unknown"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return "docx" if named == "docx" else "unknown"  # broken: let the reader say why
        return "docx" if "word/document.xml" in names else "unknown"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{\\rtf"):
        return "doc"  # RTF saved under a .doc name, as many portals serve it; catdoc reads it
    if _HTML_START.match(head.lstrip(b"\xef\xbb\xbf")):
        return "html"
    if named:
        return named
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime in _CONTENT_TYPES:
        return _CONTENT_TYPES[mime]
    if data and _looks_like_text(head):
        return "txt"
    return "unknown"


def _is_bmp(head: bytes) -> bool:
    # "BM" alone starts plenty of text; a bitmap also has its header size at byte 14.
    return head.startswith(b"BM") and len(head) > 18 and head[14] in (12, 40, 52, 56, 108, 124)


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return controls / max(len(head), 1) < 0.01


def tidy_text(text: str) -> str:
    """Return NFC text with spaces collapsed in each line and at most one blank line in a row."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    lines = []
    for line in text.split("\n"):
        cells = [" ".join(cell.split()) for cell in line.split("\t")]
        lines.append("\t".join(cell for cell in cells if cell))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _antiword_tables(text: str) -> str:
    lines = []
    for line in text.split("\n"):
        stripped = line.strip()
        if len(stripped) > 1 and stripped.startswith("|") and stripped.endswith("|"):
            line = "\t".join(cell.strip() for cell in stripped[1:-1].split("|"))
        lines.append(line)
    return "\n".join(lines)


def extract_attachment(
    data: bytes,
    *,
    filename: str = "",
    content_type: str = "",
    ocr: bool = True,
    max_pages: int = 200,
) -> AttachmentText:
    """Return the text of an attachment; never raises on bad input, says in `missing` why not."""
    sha1 = hashlib.sha1(data).hexdigest()
    kind = detect_kind(data, filename=filename, content_type=content_type)
    result = AttachmentText(text="", pages=None, ocr=[], sha1=sha1, kind=kind)
    if not data:
        result.missing = "empty file"
        return result
    try:
        if kind == "pdf":
            pdf = extract_pdf(data, ocr=ocr, max_pages=max_pages)
            result.pages, result.ocr, result.missing = pdf.pages, pdf.ocr, pdf.missing
            result.legacy_encoding = pdf.legacy_encoding
            result.page_texts = [tidy_text(t) for t in pdf.page_texts]
            result.text = "\n\n".join(t for t in result.page_texts if t)
        elif kind == "image":
            _extract_image(data, result, ocr=ocr, max_pages=max_pages)
        elif kind in ("docx", "doc", "txt", "html"):
            if kind == "docx":
                raw = extract_docx(data)
            elif kind == "doc":
                raw = _antiword_tables(extract_doc(data))
            elif kind == "html":
                raw = extract_html(data, _charset(content_type))
            else:
                raw = extract_txt(data)
            text, result.legacy_encoding = fix_legacy_vietnamese(tidy_text(raw))
            result.text = tidy_text(text)
        else:
            result.missing = "unsupported type"
    except ExtractionError as exc:
        result.missing = str(exc)
    except Exception as exc:  # one bad attachment must not stop a crawl
        logger.exception("extracting %s (%s) failed", filename or sha1, kind)
        result.missing = f"extraction failed: {type(exc).__name__}: {exc}"
    if not result.text and not result.missing:
        result.missing = "no text found"
    return result


def _extract_image(data: bytes, result: AttachmentText, *, ocr: bool, max_pages: int) -> None:
    """OCR a scan attached as an image file (JPEG, PNG, TIFF, ...), one page per frame."""
    if not ocr:
        result.missing = "OCR disabled; image attachment"
        return
    status = tesseract_status()
    if status is not None:
        result.missing = f"{status}; image attachment not OCRed"
        return
    try:
        texts, frames = ocr_image_file(data, max_pages=max_pages)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        result.missing = f"unreadable image: {exc}"
        return
    result.pages = frames
    result.ocr = list(range(1, len(texts) + 1))
    result.page_texts = [tidy_text(t) for t in texts]
    result.text = "\n\n".join(t for t in result.page_texts if t)
    if len(texts) < frames:
        result.missing = f"only the first {len(texts)} of {frames} pages extracted"


def _charset(content_type: str) -> str | None:
    match = re.search(r"charset=([\w.:-]+)", content_type, re.I)
    return match.group(1) if match else None

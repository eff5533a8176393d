"""PDF text: the text layer through pypdfium2, page by page, and OCR for pages without one."""

from __future__ import annotations

import logging
import re
import subprocess
import threading
import unicodedata
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from scraper.attachments.legacy import fix_legacy_vietnamese, is_vietnamese_syllable
from scraper.attachments.ocr import OcrUnavailable, ocr_image, tesseract_status

logger = logging.getLogger(__name__)

OCR_DPI = 300  # pages without images (vector outlines of text)
MIN_OCR_DPI, MAX_OCR_DPI = 150, 400
MAX_RENDER_PIXELS = 6000  # longest side; keeps oversized pages (maps, A0 plans) in memory bounds
MIN_TEXT_CHARS = 20  # letters and digits below which a page has no usable text layer
SCANNED_TEXT_CHARS = 200  # a page mostly covered by an image and with less text is a scan
SCANNED_IMAGE_COVER = 0.6
MAX_BAD_CHAR_SHARE = 0.1
MIN_WORD_SHARE = 0.4

# PDFium is not thread-safe: one call at a time in a process (OCR itself runs outside the lock).
PDFIUM_LOCK = threading.RLock()

_WORD = re.compile(r"[^\W\d_]+")
_ASCII_WORD = re.compile(r"[A-Za-z]+")


@dataclass
class PdfText:
    """What came out of one PDF: text per page, which pages were OCRed, and what is missing."""

    page_texts: list[str] = field(default_factory=list)
    pages: int | None = None
    ocr: list[int] = field(default_factory=list)
    missing: str | None = None
    legacy_encoding: str | None = None


def text_layer_problem(text: str) -> str | None:
    """Return why a page's text layer is unusable ("no text layer", "garbled text layer"), or None."""
    useful = sum(1 for ch in text if ch.isalnum())
    if useful < MIN_TEXT_CHARS:
        return "no text layer"
    visible = [ch for ch in text if not ch.isspace()]
    bad = sum(
        1 for ch in visible if ch == "\ufffd" or unicodedata.category(ch) in ("Cc", "Co", "Cn")
    )
    if bad / max(len(visible), 1) > MAX_BAD_CHAR_SHARE:
        return "garbled text layer"
    words = _WORD.findall(text)
    if len(words) >= 10:
        fine = sum(1 for w in words if _ASCII_WORD.fullmatch(w) or is_vietnamese_syllable(w))
        if fine / len(words) < MIN_WORD_SHARE:
            return "garbled text layer"
    return None


def _image_cover(page: pdfium.PdfPage) -> float:
    width, height = page.get_size()
    area = max(width * height, 1.0)
    covered = 0.0
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=3):
        left, bottom, right, top = obj.get_bounds()
        covered += max(0.0, min(right, width) - max(left, 0.0)) * max(
            0.0, min(top, height) - max(bottom, 0.0)
        )
    return min(covered / area, 1.0)


def _clean_page_text(text: str) -> str:
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _scan_dpi(page: pdfium.PdfPage) -> int:
    """Return the resolution of the largest image on the page, the one a scanner gave it."""
    best_area, dpi = 0.0, OCR_DPI
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=3):
        left, bottom, right, top = obj.get_bounds()
        area = (right - left) * (top - bottom)
        if area <= best_area or right - left < 1:
            continue
        try:
            px_width, _ = obj.get_px_size()
        except pdfium.PdfiumError:
            continue
        best_area, dpi = area, round(px_width / ((right - left) / 72))
    return min(max(dpi, MIN_OCR_DPI), MAX_OCR_DPI)


def _render(page: pdfium.PdfPage) -> tuple[Image.Image, int]:
    # Rendering a scan at its own resolution beats resampling it (see docs/benchmarks.md).
    dpi = _scan_dpi(page)
    width, height = page.get_size()
    scale = dpi / 72
    longest = max(width, height) * scale
    if longest > MAX_RENDER_PIXELS:
        scale *= MAX_RENDER_PIXELS / longest
    return page.render(scale=scale, grayscale=False).to_pil(), round(scale * 72)


def extract_pdf(data: bytes, *, ocr: bool = True, max_pages: int = 200) -> PdfText:
    """Return the text of a PDF: text layers where usable, OCR where not (when `ocr` is True)."""
    result = PdfText()
    try:
        with PDFIUM_LOCK:
            document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            result.missing = "password-protected PDF"
        else:
            result.missing = f"unreadable PDF: {exc}"
        return result
    except Exception as exc:  # pdfium can fail in odd ways on broken files
        result.missing = f"unreadable PDF: {exc}"
        return result
    notes: list[str] = []
    try:
        with PDFIUM_LOCK:
            result.pages = len(document)
            wanted = min(result.pages, max(max_pages, 0))
            need_ocr = _read_text_layers(document, wanted, result)
        if wanted < result.pages:
            notes.append(f"only the first {wanted} of {result.pages} pages extracted")
        if need_ocr:
            notes.extend(_ocr_pages(document, need_ocr, result, enabled=ocr))
    finally:
        with PDFIUM_LOCK:
            document.close()
    result.missing = "; ".join(notes) or None
    return result


def _read_text_layers(document: pdfium.PdfDocument, wanted: int, result: PdfText) -> list[int]:
    """Fill `result.page_texts` from the text layers; return the indexes of pages to OCR."""
    need_ocr: list[int] = []
    for index in range(wanted):
        page = document[index]
        try:
            raw = page.get_textpage().get_text_bounded()
        except pdfium.PdfiumError as exc:
            logger.warning("page %d: no text: %s", index + 1, exc)
            raw = ""
        text = _clean_page_text(raw)
        text, encoding = fix_legacy_vietnamese(text)
        if encoding:
            result.legacy_encoding = encoding
        problem = text_layer_problem(text)
        if problem is None and len(text) < SCANNED_TEXT_CHARS:
            if _image_cover(page) >= SCANNED_IMAGE_COVER:
                problem = "scanned page"
        if problem == "garbled text layer":
            text = ""
        result.page_texts.append(text)
        if problem is not None:
            need_ocr.append(index)
    return need_ocr


def _ocr_pages(
    document: pdfium.PdfDocument, indexes: list[int], result: PdfText, *, enabled: bool
) -> list[str]:
    pages = ", ".join(str(i + 1) for i in indexes)
    if not enabled:
        return [f"OCR disabled; pages without a usable text layer: {pages}"]
    status = tesseract_status()
    if status is not None:
        return [f"{status}; pages without a usable text layer not OCRed: {pages}"]
    failed: list[int] = []
    for index in indexes:
        try:
            with PDFIUM_LOCK:
                image, dpi = _render(document[index])
            text = ocr_image(image, dpi=dpi)  # outside the lock: Tesseract is another process
        except (
            OcrUnavailable,
            RuntimeError,
            OSError,
            subprocess.SubprocessError,
            pdfium.PdfiumError,
        ) as exc:
            logger.warning("page %d: OCR failed: %s", index + 1, exc)
            failed.append(index + 1)
            continue
        text = _clean_page_text(text)
        if text:
            result.page_texts[index] = text
        result.ocr.append(index + 1)
    if failed:
        return [f"OCR failed on pages {', '.join(map(str, failed))}"]
    return []

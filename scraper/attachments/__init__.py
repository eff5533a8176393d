"""Text from attachments: PDF (text layer or OCR), DOCX, DOC, text, HTML, legacy Vietnamese fonts."""

from __future__ import annotations

from scraper.attachments.extract import KINDS, AttachmentText, detect_kind, extract_attachment
from scraper.attachments.legacy import (
    detect_legacy_encoding,
    fix_legacy_vietnamese,
    tcvn3_to_unicode,
    vni_to_unicode,
)
from scraper.attachments.ocr import tesseract_status

__all__ = [
    "KINDS",
    "AttachmentText",
    "detect_kind",
    "detect_legacy_encoding",
    "extract_attachment",
    "fix_legacy_vietnamese",
    "tcvn3_to_unicode",
    "tesseract_status",
    "vni_to_unicode",
]

"""Text from attachments: PDF (text layer or OCR), DOCX, DOC, text, HTML, legacy Vietnamese fonts."""

from __future__ import annotations

import importlib
from typing import Any

# Imported on first use: numpy and PDFium are heavy, and `govarchive parse` of HTML needs neither.
_EXPORTS = {
    "KINDS": "scraper.attachments.extract",
    "AttachmentText": "scraper.attachments.extract",
    "detect_kind": "scraper.attachments.extract",
    "extract_attachment": "scraper.attachments.extract",
    "detect_legacy_encoding": "scraper.attachments.legacy",
    "fix_legacy_vietnamese": "scraper.attachments.legacy",
    "tcvn3_to_unicode": "scraper.attachments.legacy",
    "vni_to_unicode": "scraper.attachments.legacy",
    "tesseract_status": "scraper.attachments.ocr",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)

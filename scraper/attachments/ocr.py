"""OCR of page images with Tesseract (`-l vie`), after cleaning scans: red stamps, skew, noise."""

from __future__ import annotations

import functools
import io
import logging
import os
import re
import shutil
import subprocess
import unicodedata

import numpy as np
from PIL import Image, ImageFilter

logger = logging.getLogger(__name__)

TESSERACT_LANG = "vie"
TESSERACT_TIMEOUT = 120.0
MAX_SKEW_DEGREES = 3.0


class OcrUnavailable(Exception):
    """Raised when Tesseract or its Vietnamese model is not installed; the message says which."""


@functools.cache
def tesseract_status() -> str | None:
    """Return None when Tesseract with the Vietnamese model can run, else why not."""
    exe = shutil.which(os.environ.get("GOVARCHIVE_TESSERACT", "tesseract"))
    if exe is None:
        return "tesseract not installed"
    try:
        listed = subprocess.run(
            [exe, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"tesseract not runnable: {exc}"
    langs = {line.strip() for line in (listed.stdout + listed.stderr).splitlines()}
    if TESSERACT_LANG not in langs:
        return f"tesseract language '{TESSERACT_LANG}' not installed (tesseract-ocr-vie)"
    return None


def _red_mask(rgb: np.ndarray) -> np.ndarray:
    r, g, b = (rgb[..., i].astype(np.int16) for i in range(3))
    return (r - np.maximum(g, b) > 60) & (r > 120)


def remove_red_ink(image: Image.Image) -> Image.Image:
    """Return a grayscale page; where red ink (a seal or stamp) shows, keep only the red channel."""
    if image.mode in ("1", "L", "LA", "I", "F"):
        return image.convert("L")
    preview = image.convert("RGB")
    preview.thumbnail((600, 600))
    if _red_mask(np.asarray(preview)).mean() < 0.001:
        return image.convert("L")
    rgb = np.asarray(image.convert("RGB"))
    gray = np.asarray(image.convert("L"))
    red = _red_mask(rgb)
    # Under a red seal, black text stays dark in the red channel while the red ink turns white.
    cleaned = np.where(_grow(red), rgb[..., 0], gray).astype(np.uint8)
    return Image.fromarray(cleaned)


def _grow(mask: np.ndarray) -> np.ndarray:
    img = Image.fromarray(mask.astype(np.uint8) * 255).filter(ImageFilter.MaxFilter(5))
    return np.asarray(img) > 0


def otsu_threshold(gray: np.ndarray) -> int:
    """Return Otsu's threshold for an 8-bit grayscale array."""
    hist = np.bincount(gray.ravel(), minlength=256).astype(np.float64)
    total = gray.size
    weights = np.cumsum(hist)
    means = np.cumsum(hist * np.arange(256))
    denominator = weights * (total - weights)
    numerator = (means[-1] * weights / total - means) ** 2
    between = np.divide(numerator, denominator, out=np.zeros(256), where=denominator > 0)
    return int(np.argmax(between))


def estimate_skew(gray: Image.Image) -> float:
    """Return the angle in degrees that levels the text lines (projection-profile search)."""
    small = gray.copy()
    small.thumbnail((1200, 1200))
    arr = np.asarray(small)
    ink = Image.fromarray(((arr < otsu_threshold(arr)) * 255).astype(np.uint8))

    def sharpness(angle: float) -> float:
        rotated = np.asarray(ink.rotate(angle, resample=Image.Resampling.NEAREST, fillcolor=0))
        rows = rotated.sum(axis=1, dtype=np.float64)
        return float(np.var(rows))

    coarse = np.arange(-MAX_SKEW_DEGREES, MAX_SKEW_DEGREES + 0.01, 0.5)
    best = max(coarse, key=sharpness)
    fine = np.arange(best - 0.5, best + 0.51, 0.1)
    return round(float(max(fine, key=sharpness)), 2)


def prepare_page(image: Image.Image) -> Image.Image:
    """Clean a page image for Tesseract: drop red stamps, deskew, remove speckles, binarise."""
    gray = remove_red_ink(image)
    angle = estimate_skew(gray)
    if abs(angle) >= 0.2:
        gray = gray.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    gray = gray.filter(ImageFilter.MedianFilter(3))
    arr = np.asarray(gray)
    binary = (arr > otsu_threshold(arr)).astype(np.uint8) * 255
    return Image.fromarray(binary).convert("1")


def ocr_image(image: Image.Image, *, dpi: int = 300, preprocess: bool = True) -> str:
    """Return the text Tesseract reads in a page image (NFC); raise OcrUnavailable without it."""
    status = tesseract_status()
    if status is not None:
        raise OcrUnavailable(status)
    page = prepare_page(image) if preprocess else image.convert("L")
    buffer = io.BytesIO()
    page.save(buffer, format="PNG", dpi=(dpi, dpi))
    exe = shutil.which(os.environ.get("GOVARCHIVE_TESSERACT", "tesseract")) or "tesseract"
    cmd = [exe, "stdin", "stdout", "-l", TESSERACT_LANG, "--psm", "3", "--dpi", str(dpi)]
    env = {**os.environ, "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT", "1")}
    result = subprocess.run(
        cmd,
        input=buffer.getvalue(),
        capture_output=True,
        timeout=TESSERACT_TIMEOUT,
        check=False,
        env=env,
    )
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"tesseract failed: {message[-1] if message else result.returncode}")
    text = result.stdout.decode("utf-8", "replace").replace("\f", "")
    return drop_speck_tokens(unicodedata.normalize("NFC", text))


# Dust and seal edges come out as lone quotes, dots and colons; Vietnamese text never has these
# standing alone between spaces (dashes are kept: they start list items).
_SPECK_TOKEN = re.compile(r"(?<!\S)[`'\"_~^|¬‘’“”.,:;!•·]+(?!\S)")


def drop_speck_tokens(text: str) -> str:
    """Remove punctuation-only tokens that OCR reads from specks; keep each line's other words."""
    lines = (" ".join(_SPECK_TOKEN.sub(" ", line).split()) for line in text.split("\n"))
    return "\n".join(lines)


def ocr_image_file(data: bytes, *, max_pages: int = 200) -> tuple[list[str], int]:
    """Return the OCR text of each frame of an image file (a multi-page TIFF has several)."""
    with Image.open(io.BytesIO(data)) as image:
        frames = getattr(image, "n_frames", 1)
        texts = []
        for index in range(min(frames, max_pages)):
            image.seek(index)
            dpi = image.info.get("dpi", (0, 0))[0] or _guess_dpi(image)
            texts.append(ocr_image(image.convert("RGB"), dpi=round(dpi)))
    return texts, frames


def _guess_dpi(image: Image.Image) -> int:
    # No resolution recorded: assume the page is A4 portrait, as official letters are.
    return max(100, min(600, round(max(image.size) / 11.69)))

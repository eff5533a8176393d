"""Attachment benchmark: PDF text layers (pypdfium2 vs pdfminer.six) and OCR speed and accuracy.

Example: .venv/bin/python bench/attachments.py --text-pages 40 --ocr-pages 2
"""

from __future__ import annotations

import argparse
import io
import logging
import platform
import resource
import subprocess
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scraper.attachments import extract_attachment, tesseract_status  # noqa: E402
from scraper.attachments.ocr import ocr_image  # noqa: E402
from tests.attachment_fixtures import (  # noqa: E402
    ADMIN_PARAGRAPHS,
    DIRECTIVE_PARAGRAPHS,
    ground_truth,
    make_office_pdf,
    make_scanned_pdf,
    make_text_pdf,
    soffice_path,
)

logger = logging.getLogger("bench.attachments")

DOCUMENTS: tuple[tuple[str, ...], ...] = (ADMIN_PARAGRAPHS, DIRECTIVE_PARAGRAPHS)
REALISTIC = {"dpi": 200, "rotate": 1.0, "speckle": 0.002, "stamp": True, "jpeg_quality": 60}
CLEAN = {"dpi": 300}


def edit_distance(a: Sequence, b: Sequence) -> int:
    """Return the Levenshtein distance of two sequences (rapidfuzz when installed)."""
    try:
        from rapidfuzz.distance import Levenshtein
    except ImportError:
        from tests.attachment_fixtures import edit_distance as slow

        if isinstance(a, str) and isinstance(b, str):
            return slow(a, b)
        table = {w: chr(0xE000 + i) for i, w in enumerate(sorted(set(a) | set(b)))}
        return slow("".join(table[w] for w in a), "".join(table[w] for w in b))
    return Levenshtein.distance(a, b)


def accuracy(text: str, truth: str) -> tuple[float, float]:
    """Return (1 - CER, 1 - WER) of `text` against `truth`, NFC and whitespace-normalised."""
    got, want = ground_truth([text]), ground_truth([truth])
    cer = edit_distance(got, want) / max(len(want), 1)
    wer = edit_distance(got.split(), want.split()) / max(len(want.split()), 1)
    return max(0.0, 1 - cer), max(0.0, 1 - wer)


def text_pdfs(pages: int) -> dict[str, tuple[bytes, str]]:
    """Return Vietnamese PDFs of about `pages` pages by several producers, with ground truth."""
    import pypdfium2 as pdfium

    both = [p for document in DOCUMENTS for p in document]
    per_copy = len(pdfium.PdfDocument(make_text_pdf(both)))
    paragraphs = both * max(1, round(pages / per_copy))
    truth = " ".join(paragraphs)
    pdfs = {"fpdf2 (justified, NFC)": (make_text_pdf(paragraphs), truth)}
    decomposed = [unicodedata.normalize("NFD", p) for p in paragraphs]
    pdfs["fpdf2 (text typed NFD)"] = (make_text_pdf(decomposed), truth)
    if soffice_path() is not None:
        pdfs["LibreOffice export (justified)"] = (make_office_pdf(paragraphs), truth)
    return pdfs


def pdfium_text(data: bytes) -> tuple[str, int]:
    """Return the raw text layer and page count as pypdfium2 reads them."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    texts = [document[i].get_textpage().get_text_bounded() for i in range(len(document))]
    return "\n".join(texts), len(document)


def pdfminer_text(data: bytes) -> tuple[str, int]:
    """Return the raw text layer and page count as pdfminer.six reads them."""
    from pdfminer.high_level import extract_text
    from pdfminer.pdfpage import PDFPage

    pages = sum(1 for _ in PDFPage.get_pages(io.BytesIO(data)))
    return extract_text(io.BytesIO(data)), pages


def bench_text_layers(pages: int, repeat: int) -> list[dict[str, object]]:
    """Measure pages/s and fidelity of each text-layer reader on generated Vietnamese PDFs."""
    rows = []
    for producer, (data, truth) in text_pdfs(pages).items():
        rows.extend(_bench_readers(producer, data, truth, repeat))
    return rows


def _bench_readers(producer: str, data: bytes, truth: str, repeat: int) -> list[dict[str, object]]:
    readers: dict[str, Callable[[bytes], tuple[str, int]]] = {
        "pypdfium2": pdfium_text,
        "pdfminer.six": pdfminer_text,
        "extract_attachment (pypdfium2 + checks)": lambda d: (
            extract_attachment(d).text,
            extract_attachment(d).pages or 0,
        ),
    }
    rows = []
    for name, read in readers.items():
        best = float("inf")
        text, count = "", 0
        for _ in range(repeat):
            start = time.perf_counter()
            text, count = read(data)
            best = min(best, time.perf_counter() - start)
        if name.startswith("extract_attachment"):
            best /= 2  # the lambda extracts twice
        char_acc, word_acc = accuracy(text, truth)
        rows.append(
            {
                "PDF": producer,
                "reader": name,
                "pages": count,
                "pages/s": count / best,
                "1-CER": char_acc,
                "1-WER": word_acc,
                "NFC as read": unicodedata.is_normalized("NFC", text),
            }
        )
        logger.info("%s: %d pages in %.3fs", name, count, best)
    return rows


def bench_ocr(pages: int) -> list[dict[str, object]]:
    """Measure OCR pages/s and accuracy on rendered scans, clean and realistic, end to end."""
    rows = []
    for label, options in (("clean 300 dpi", CLEAN), ("realistic 200 dpi", REALISTIC)):
        for preprocess in (True, False):
            total_time, total_cpu, char_sum, word_sum, done = 0.0, 0.0, 0.0, 0.0, 0
            for index in range(pages):
                paragraphs = DOCUMENTS[index % len(DOCUMENTS)]
                data = make_scanned_pdf(paragraphs, **options)  # type: ignore[arg-type]
                start, cpu_start = time.perf_counter(), cpu_seconds()
                if preprocess:
                    result = extract_attachment(data)
                    text = result.text
                    assert result.ocr, result.missing
                else:
                    text = _ocr_without_preprocessing(data)
                total_time += time.perf_counter() - start
                total_cpu += cpu_seconds() - cpu_start
                char_acc, word_acc = accuracy(text, " ".join(paragraphs))
                char_sum, word_sum, done = char_sum + char_acc, word_sum + word_acc, done + 1
            rows.append(
                {
                    "scan": label,
                    "pipeline": "extract_attachment" if preprocess else "raw page to tesseract",
                    "pages": done,
                    "pages/s": done / total_time,
                    "CPU s/page": total_cpu / done,
                    "1-CER": char_sum / done,
                    "1-WER": word_sum / done,
                }
            )
            logger.info("%s", rows[-1])
    return rows


def cpu_seconds() -> float:
    """Return CPU time used so far by this process and its finished children (Tesseract)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _ocr_without_preprocessing(data: bytes) -> str:
    import pypdfium2 as pdfium

    from scraper.attachments.pdf import _render

    document = pdfium.PdfDocument(data)
    image, dpi = _render(document[0])
    return ocr_image(image, dpi=dpi, preprocess=False)


def machine() -> str:
    """Return a one-line description of this machine and the OCR engine."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import os

    tesseract = "no tesseract"
    try:
        tesseract = subprocess.run(
            ["tesseract", "--version"], capture_output=True, text=True, check=False
        ).stdout.splitlines()[0]
    except (OSError, IndexError):
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {tesseract}"


def table(rows: list[dict[str, object]]) -> str:
    """Return rows as a Markdown table."""
    headers = list(rows[0])
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for row in rows:
        cells = []
        for key, value in row.items():
            if isinstance(value, float):
                cells.append(f"{value:.1%}" if key.startswith("1-") else f"{value:.2f}")
            else:
                cells.append(str(value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print Markdown tables on stdout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text-pages", type=int, default=40, help="pages in the text-layer PDF")
    parser.add_argument("--repeat", type=int, default=3, help="text-layer runs (best is kept)")
    parser.add_argument("--ocr-pages", type=int, default=2, help="scanned pages per condition")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    print(f"Machine: {machine()}\n")
    print("### PDF text layers\n")
    print(table(bench_text_layers(args.text_pages, args.repeat)))
    status = tesseract_status()
    if args.ocr_pages <= 0:
        return 0
    if status is not None:
        print(f"\nOCR skipped: {status}")
        return 0
    print("\n### OCR (Tesseract `-l vie`)\n")
    print(table(bench_ocr(args.ocr_pages)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

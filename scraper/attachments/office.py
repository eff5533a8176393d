"""Word documents: DOCX with python-docx, legacy DOC with antiword or catdoc."""

from __future__ import annotations

import io
import logging
import os
import shutil
import subprocess
import tempfile
import zipfile

logger = logging.getLogger(__name__)

DOC_TIMEOUT = 60.0
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class ExtractionError(Exception):
    """Raised when a file cannot be read; the message is the record's `missing` reason."""


def extract_docx(data: bytes) -> str:
    """Return the text of a DOCX body in reading order: paragraphs, and tables row by row."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ExtractionError(f"unreadable DOCX: {exc}") from exc
    except Exception as exc:  # python-docx raises assorted errors on broken packages
        raise ExtractionError(f"unreadable DOCX: {exc}") from exc
    blocks: list[str] = []
    for child in document.element.body.iterchildren():
        if child.tag == f"{_W}p":
            blocks.append(Paragraph(child, document).text)
        elif child.tag == f"{_W}tbl":
            blocks.append(_table_text(Table(child, document)))
        elif child.tag != f"{_W}sectPr":
            blocks.append("".join(t.text or "" for t in child.iter(f"{_W}t")))
    return "\n".join(block for block in blocks if block.strip())


def _table_text(table) -> str:
    rows = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell repeats across the cells it spans
                continue
            seen.add(id(cell._tc))
            parts = [cell.text.strip()]
            parts.extend(_table_text(inner) for inner in cell.tables)
            cells.append("\n".join(p for p in parts if p))
        rows.append("\t".join(c for c in cells if c))
    return "\n".join(r for r in rows if r)


def doc_tool_status() -> str | None:
    """Return None when antiword or catdoc can read .doc files, else why not."""
    if shutil.which("antiword") or shutil.which("catdoc"):
        return None
    return "antiword/catdoc not installed"


def extract_doc(data: bytes) -> str:
    """Return the text of a Word 97-2003 .doc (antiword, then catdoc) or of RTF (catdoc)."""
    status = doc_tool_status()
    if status is not None:
        raise ExtractionError(status)
    with tempfile.NamedTemporaryFile(suffix=".doc", delete=False) as handle:
        handle.write(data)
        path = handle.name
    tools = [
        ("antiword", ["antiword", "-m", "UTF-8.txt", "-w", "0", path]),
        ("catdoc", ["catdoc", "-d", "utf-8", "-w", path]),
    ]
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{\\rtf"):
        tools = tools[1:]  # antiword reads only Word's binary format
        if not shutil.which("catdoc"):
            raise ExtractionError("catdoc not installed (needed for RTF)")
    errors = []
    try:
        for tool, cmd in tools:
            if not shutil.which(tool):
                continue
            try:
                result = subprocess.run(
                    cmd, capture_output=True, timeout=DOC_TIMEOUT, check=False, env=_doc_env()
                )
            except (OSError, subprocess.SubprocessError) as exc:
                errors.append(f"{tool}: {exc}")
                continue
            text = result.stdout.decode("utf-8", "replace")
            if result.returncode == 0 and text.strip():
                return text
            message = result.stderr.decode("utf-8", "replace").strip().splitlines()
            errors.append(f"{tool}: {message[-1] if message else 'no text'}")
    finally:
        os.unlink(path)
    raise ExtractionError("unreadable DOC (" + "; ".join(errors) + ")")


def _doc_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("HOME", tempfile.gettempdir())  # antiword looks for ~/.antiword
    return env

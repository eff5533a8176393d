"""Directives live in their attachments: a crawl of the replica makes their words searchable."""

from __future__ import annotations

import dataclasses
import json
import shutil
from typing import Any

import pytest

from scraper.replica.content import load_site
from tests.attachment_fixtures import (
    make_doc,
    make_docx,
    make_scanned_pdf,
    make_tcvn3_text,
    make_text_pdf,
    soffice_path,
)
from tests.conftest import run_cli

# Each attachment carries a sentence found nowhere else in the portal.
UNIQUE = {
    "pdf": "Giao Phòng Tài nguyên và Môi trường rà soát toàn bộ bãi tập kết cát ven sông Vàm Cỏ Đông.",
    "scan": "Yêu cầu các trường học tổ chức diễn tập phòng cháy chữa cháy trước ngày khai giảng.",
    "docx": "Thành lập tổ công tác liên ngành kiểm tra an toàn thực phẩm bếp ăn tập thể.",
    "doc": "Đề nghị các phường tổng hợp danh sách hộ nghèo cần hỗ trợ sửa chữa nhà ở.",
    "txt": "các xã thực hiện nạo vét kênh tiêu nội đồng trước mùa mưa",
}
QUERIES = {
    "pdf": "bai tap ket cat",
    "scan": '"dien tap phong chay"',
    "docx": "an toan thuc pham bep an tap the",
    "doc": "sua chua nha o ho ngheo",
    "txt": "nao vet kenh tieu",
}


def attachment_site(kinds: list[str]) -> Any:
    """The replica's content with one law per kind carrying that kind of attachment."""
    site = load_site()
    makers = {
        "pdf": lambda: ("bao-cao.pdf", make_text_pdf([UNIQUE["pdf"]])),
        "scan": lambda: ("chi-thi-ban-scan.pdf", make_scanned_pdf([UNIQUE["scan"]], dpi=300)),
        "docx": lambda: ("ke-hoach.docx", make_docx([UNIQUE["docx"]])),
        "doc": lambda: ("cong-van.doc", make_doc([UNIQUE["doc"]])),
        "txt": lambda: ("thong-bao-tcvn3.txt", make_tcvn3_text([UNIQUE["txt"]]).encode("cp1252")),
    }
    laws = [dict(law) for law in site.laws]
    owners = {}
    for law, kind in zip(laws, kinds, strict=False):
        name, data = makers[kind]()
        law["attachments"] = [{"file": f"{law['id']}-{name}", "title": f"Tệp {kind}", "data": data}]
        owners[kind] = law["id"]
    return dataclasses.replace(site, laws=laws), owners


def available_kinds() -> list[str]:
    """The kinds this machine can make and read (OCR needs Tesseract, .doc LibreOffice)."""
    kinds = ["pdf", "docx", "txt"]
    if shutil.which("tesseract"):
        kinds.append("scan")
    if soffice_path() and (shutil.which("antiword") or shutil.which("catdoc")):
        kinds.append("doc")
    return kinds


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Crawl a replica whose laws carry real attachments."""
    from scraper.replica import ReplicaPortal

    kinds = available_kinds()
    site, owners = attachment_site(kinds)
    data = tmp_path_factory.mktemp("attachments")
    with ReplicaPortal(content=site) as portal:
        run_cli("crawl", portal.url, data=data)
        urls = {kind: portal.law_url(law_id) for kind, law_id in owners.items()}
    records = {}
    for path in (data / "items").glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            records[record["url"]] = record
    return {"data": data, "urls": urls, "records": records, "kinds": kinds}


@pytest.mark.parametrize("kind", ["pdf", "scan", "docx", "doc", "txt"])
def test_attachment_words_are_searchable(crawl: dict[str, Any], kind: str) -> None:
    if kind not in crawl["kinds"]:
        pytest.skip(
            f"this machine cannot make or read {kind} attachments (see .ci/apt-packages.txt)"
        )
    out = run_cli("search", QUERIES[kind], "--format", "json", data=crawl["data"])
    hits = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    assert hits and hits[0]["url"] == crawl["urls"][kind]
    out = run_cli("search", f"attachment:{QUERIES[kind]}", "--format", "json", data=crawl["data"])
    hits = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    assert [h["url"] for h in hits] == [crawl["urls"][kind]]
    assert hits[0]["_match_in"] == "attachment"
    assert "**" in hits[0]["_snippet"]


@pytest.mark.parametrize("kind", ["pdf", "scan", "docx", "doc", "txt"])
def test_attachment_entry_carries_text_pages_ocr_sha1(crawl: dict[str, Any], kind: str) -> None:
    if kind not in crawl["kinds"]:
        pytest.skip(f"this machine cannot make or read {kind} attachments")
    (entry,) = crawl["records"][crawl["urls"][kind]]["attachments"]
    assert {"url", "title", "text", "pages", "ocr", "sha1"} <= set(entry)
    assert len(entry["sha1"]) == 40
    if kind == "scan":
        assert entry["ocr"] == [1]
    elif kind in ("pdf", "docx", "txt"):
        words = UNIQUE[kind].split()[:4]
        assert " ".join(words) in entry["text"]
        assert entry["ocr"] == []
    if kind in ("pdf", "scan"):
        assert entry["pages"] == 1


def test_field_query_targets_attachments(crawl: dict[str, Any]) -> None:
    out = run_cli("search", "attachment:nao vet", "--format", "json", data=crawl["data"])
    urls = [json.loads(line)["url"] for line in out.stdout.splitlines() if line.strip()]
    assert urls == [crawl["urls"]["txt"]]

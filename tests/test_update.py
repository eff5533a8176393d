"""Incremental updates: new, changed, unchanged and deleted pages; the update lock."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from scraper.lock import ExclusiveLock
from scraper.replica.content import load_articles
from tests.conftest import run_cli


def index_urls(data: Path, query: str) -> list[str]:
    """URLs of every hit of a query, via the CLI."""
    out = run_cli("search", query, "--all", "--format", "json", data=data)
    return [json.loads(line)["url"] for line in out.stdout.splitlines() if line.strip()]


def warc_records(data: Path) -> list[tuple[str, str, str | None]]:
    """(type, target URI, profile) of every WARC record of the archive."""
    found = []
    for path in sorted((data / "warc").glob("*.warc.gz")):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                found.append(
                    (
                        record.rec_type,
                        record.rec_headers.get_header("WARC-Target-URI"),
                        record.rec_headers.get_header("WARC-Profile"),
                    )
                )
    return found


def newest(articles: list[dict[str, Any]]) -> dict[str, Any]:
    """The most recently published article."""
    return max(articles, key=lambda a: a["published"])


def test_update_archives_new_and_changed_pages_and_keeps_deleted_ones(
    replica: Any, tmp_path: Path
) -> None:
    articles = load_articles()
    run_cli("crawl", replica.url, data=tmp_path)
    first_count = len(index_urls(tmp_path, "thị xã"))

    template = newest(articles)
    added = {
        **template,
        "id": 5001,
        "alias": "ra-quan-chien-dich-giao-thong-xanh-tren-dia-ban-thi-xa-5001",
        "title": "Ra quân chiến dịch giao thông xanh trên địa bàn thị xã",
        "published": "2023-12-20T08:30:00+07:00",
        "edited": "2023-12-20T08:30:00+07:00",
        "paragraphs": [
            "Sáng 20/12/2023, Ủy ban nhân dân thị xã tổ chức lễ ra quân chiến dịch "
            "giao thông xanh với sự tham gia của hơn 500 đoàn viên thanh niên."
        ],
    }
    added["alias"] = "ra-quan-chien-dich-giao-thong-xanh-tren-dia-ban-thi-xa"
    new_url = replica.add_article(added)
    edited_url = replica.edit_article(
        template["id"],
        paragraphs=[
            *template["paragraphs"],
            "Đến nay, 100% hộ dân đã ký cam kết lắp đèn năng lượng.",
        ],
    )
    deleted = min(articles, key=lambda a: a["published"])
    deleted_url = replica.article_url(deleted["id"])
    replica.delete_article(deleted["id"])

    result = run_cli("update", replica.url, data=tmp_path)
    summary = result.stdout.strip().splitlines()[-1]
    assert "new 1" in summary and "changed 1" in summary, summary

    assert new_url in index_urls(tmp_path, "giao thong xanh")
    assert edited_url in index_urls(tmp_path, "den nang luong")
    assert deleted_url in index_urls(tmp_path, "thị xã") or deleted_url in index_urls(
        tmp_path, deleted["title"]
    )
    everything = index_urls(tmp_path, "thị xã")
    assert len(everything) == len(set(everything)) == first_count + 1

    records = warc_records(tmp_path)
    responses = [uri for kind, uri, _ in records if kind == "response"]
    assert responses.count(edited_url) == 2, "the edited page is captured again"
    assert responses.count(new_url) == 1
    assert deleted_url in responses, "the deleted page stays in the archive"
    revisits = [uri for kind, uri, _ in records if kind == "revisit"]
    assert revisits, "unchanged pages are stored as revisits"
    assert edited_url not in revisits and new_url not in revisits


def test_update_downloads_nothing_that_did_not_change(replica: Any, tmp_path: Path) -> None:
    run_cli("crawl", replica.url, data=tmp_path)
    crawled = list(replica.requests)
    result = run_cli("update", replica.url, data=tmp_path)
    updated = replica.requests[len(crawled) :]
    assert "new 0" in result.stdout and "changed 0" in result.stdout
    full_bodies = [path for _m, path, status in updated if status == 200]
    pages = [path for _m, path, status in updated if path.endswith(".html")]
    assert all(status == 304 for _m, path, status in updated if path.endswith(".html"))
    assert pages, "known pages on the walked listings are checked conditionally"
    assert len(full_bodies) < len(crawled) / 4, (len(full_bodies), len(crawled))


def test_a_second_update_exits_at_once_while_one_runs(replica: Any, tmp_path: Path) -> None:
    with ExclusiveLock(tmp_path / "state" / "update.lock"):
        result = run_cli("update", replica.url, data=tmp_path, check=False, timeout=60)
    assert result.returncode == 75
    assert "another update is running" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1

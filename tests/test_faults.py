"""A crawl of a broken, slow, trap-laden replica finishes, retries what is worth it, stays home."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from scraper.replica import ReplicaPortal
from scraper.replica.content import expected_record, load_articles, load_laws
from scraper.replica.faults import (
    CALENDAR_PREFIX,
    PAGINATION_PREFIX,
    QUERY_PREFIX,
    SESSION_PREFIX,
    Fault,
    FaultPlan,
    encode_legacy,
)
from scraper.retry import backoff_delay, parse_retry_after
from tests.conftest import run_cli

FIELDS = ["kind", "title", "published", "author", "summary", "body", "doc_number"]
CRAWL_SECONDS = 150  # the whole faulty crawl, retries and timeouts included
# Test settings, through the registry entry of the portal (`data/portals.toml`).
SETTINGS = {
    "DOWNLOAD_TIMEOUT": 2,
    "RETRY_TIMES": 3,
    "RETRY_BACKOFF_BASE": 0.05,
    "RETRY_AFTER_MAX": 5,
    "GOVARCHIVE_ATTACHMENTS": False,
    "TRAP_MAX_CALENDAR_PAGES": 6,
    "TRAP_MAX_QUERY_VARIANTS": 8,
    "TRAP_EMPTY_PAGES": 3,
}


def write_registry(data: Path, url: str, portal: str = "replica", **extra: Any) -> None:
    """A one-portal registry with test settings (short timeout, fast retries, no attachments)."""
    data.mkdir(parents=True, exist_ok=True)
    settings = {**SETTINGS, **extra}
    lines = [f"{k} = {json.dumps(v)}" for k, v in settings.items()]
    (data / "portals.toml").write_text(
        f'[[portal]]\nid = "{portal}"\nurl = "{url}/"\n\n[portal.settings]\n' + "\n".join(lines)
    )


def records_by_url(data: Path) -> dict[str, list[dict[str, Any]]]:
    """Every record of every items file, grouped by URL."""
    found: dict[str, list[dict[str, Any]]] = {}
    for path in sorted((data / "items").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                found.setdefault(record["url"], []).append(record)
    return found


def path_of(url: str) -> str:
    return urlsplit(url).path


@pytest.fixture(scope="module")
def faulty_crawl(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Crawl a replica that injects every fault at once; an outside server watches for visits."""
    data = tmp_path_factory.mktemp("faulty")
    articles, laws = load_articles(), load_laws()
    plan = FaultPlan().enable_traps()
    with ReplicaPortal() as outside, ReplicaPortal(faults=plan) as portal:
        a = [path_of(portal.article_url(x["id"])) for x in articles]
        d = [path_of(portal.law_url(x["id"])) for x in laws]
        roles = {
            "retry_503": "/tin-tuc/",
            "retry_500": a[1],
            "timeout": a[2],
            "reset": a[3],
            "truncated": a[4],
            "wrong_charset": a[5],
            "legacy_declared": a[6],
            "legacy_wrong": a[7],
            "huge": a[8],
            "broken_gzip": a[9],
            "gone_503": d[0],
            "retry_after_long": d[1],
        }
        plan.add(roles["retry_503"], Fault.http_status(503, times=2, retry_after="1"))
        plan.add(roles["retry_500"], Fault.http_status(500, times=1))
        plan.add(roles["timeout"], Fault.slow(5.0, times=1))
        plan.add(roles["reset"], Fault.reset(times=1))
        plan.add(roles["truncated"], Fault.truncated(times=1))
        plan.add(roles["wrong_charset"], Fault.wrong_charset("ISO-8859-1"))
        plan.add(roles["legacy_declared"], Fault.legacy_encoding("cp1258", "windows-1258"))
        plan.add(roles["legacy_wrong"], Fault.legacy_encoding("cp1258", "windows-1252"))
        plan.add(roles["huge"], Fault.inflated(20 * 1024 * 1024))
        plan.add(roles["broken_gzip"], Fault.broken_gzip())
        plan.add(roles["gone_503"], Fault.http_status(503, retry_after="1"))
        plan.add(roles["retry_after_long"], Fault.http_status(503, retry_after="3600"))
        plan.add("/vong-lap/a/", Fault.redirect("/vong-lap/b/"))
        plan.add("/vong-lap/b/", Fault.redirect("/vong-lap/a/"))
        plan.add("/ra-ngoai/", Fault.redirect(f"{outside.url}/tin-tuc/"))
        plan.link(
            "/tin-tuc/khong-ton-tai-999.html",
            "/trang-da-xoa/",
            "/vong-lap/a/",
            "/ra-ngoai/",
            "/cache/bai-viet-1.html",
            "/modules/news/",
            f"{outside.url}/tin-tuc/",
            f"{outside.url.replace('127.0.0.1', 'localhost')}/van-ban/",
        )
        write_registry(data, portal.url)
        started = time.monotonic()
        result = run_cli("crawl", "replica", data=data, timeout=CRAWL_SECONDS, check=False)
        elapsed = time.monotonic() - started
        expected = {portal.article_url(x["id"]): expected_record(x, "article") for x in articles}
        expected |= {portal.law_url(x["id"]): expected_record(x, "document") for x in laws}
        absolute = {role: portal.url + path for role, path in roles.items()}
        requests = list(portal.requests)
        outside_requests = list(outside.requests)
        log = list(plan.log)
    return {
        "data": data,
        "result": result,
        "elapsed": elapsed,
        "records": records_by_url(data),
        "expected": expected,
        "roles": roles,
        "urls": absolute,
        "requests": requests,
        "outside": outside_requests,
        "log": log,
    }


def count(crawl: dict[str, Any], path: str) -> int:
    return sum(1 for _m, p, _s in crawl["requests"] if urlsplit(p).path == path)


def test_the_faulty_crawl_finishes_in_bounded_time(faulty_crawl: dict[str, Any]) -> None:
    result = faulty_crawl["result"]
    assert result.returncode == 0, result.stderr[-3000:]
    assert faulty_crawl["elapsed"] < CRAWL_SECONDS
    assert result.stderr.strip().splitlines()[-1].endswith("finished")


def test_transient_faults_are_retried_and_their_pages_archived(
    faulty_crawl: dict[str, Any],
) -> None:
    records = faulty_crawl["records"]
    for role in ("retry_500", "timeout", "reset", "truncated"):
        path = faulty_crawl["roles"][role]
        assert count(faulty_crawl, path) >= 2, role
        assert faulty_crawl["urls"][role] in records, role
    assert count(faulty_crawl, "/tin-tuc/") >= 3  # two 503s, then the page


def test_retry_after_is_obeyed(faulty_crawl: dict[str, Any]) -> None:
    times = [t for t, target in faulty_crawl["log"] if target == "/tin-tuc/"]
    assert len(times) >= 3
    assert times[1] - times[0] >= 0.9 and times[2] - times[1] >= 0.9, times


def test_permanent_failures_are_retried_a_bounded_number_of_times(
    faulty_crawl: dict[str, Any],
) -> None:
    roles = faulty_crawl["roles"]
    # every attempt is a 503 (or, on a loaded machine, a timeout): never more than allowed
    assert 2 <= count(faulty_crawl, roles["gone_503"]) <= SETTINGS["RETRY_TIMES"] + 1
    assert count(faulty_crawl, roles["retry_after_long"]) == 1, "Retry-After beyond the cap"
    assert faulty_crawl["urls"]["gone_503"] not in faulty_crawl["records"]


def test_not_found_pages_are_not_retried(faulty_crawl: dict[str, Any]) -> None:
    assert count(faulty_crawl, "/tin-tuc/khong-ton-tai-999.html") == 1
    assert count(faulty_crawl, "/trang-da-xoa/") == 1


def test_redirect_loop_ends(faulty_crawl: dict[str, Any]) -> None:
    loops = count(faulty_crawl, "/vong-lap/a/") + count(faulty_crawl, "/vong-lap/b/")
    assert 2 <= loops <= 12


def test_failures_are_counted_in_the_summary(faulty_crawl: dict[str, Any]) -> None:
    line = faulty_crawl["result"].stderr.strip().splitlines()[-1]
    failed = int(re.search(r"failed (\d+)", line).group(1))
    # two 404s, a page gone for good (503), one that asks for an hour, broken gzip
    assert failed >= 5, line


def test_the_crawl_never_leaves_the_portal(faulty_crawl: dict[str, Any]) -> None:
    assert faulty_crawl["outside"] == [], "another server (another port of 127.0.0.1) was visited"
    assert all(
        url.startswith(faulty_crawl["urls"]["retry_503"][:-8]) for url in faulty_crawl["records"]
    )


def test_robots_txt_disallows_are_obeyed(faulty_crawl: dict[str, Any]) -> None:
    paths = [urlsplit(p).path for _m, p, _s in faulty_crawl["requests"]]
    assert "/robots.txt" in paths
    assert not [p for p in paths if p.startswith(("/cache/", "/modules/"))]


@pytest.mark.parametrize(
    ("prefix", "limit"),
    [(CALENDAR_PREFIX, 12), (PAGINATION_PREFIX, 12), (SESSION_PREFIX, 3), (QUERY_PREFIX, 12)],
)
def test_crawler_traps_are_bounded(faulty_crawl: dict[str, Any], prefix: str, limit: int) -> None:
    visits = [p for _m, p, _s in faulty_crawl["requests"] if urlsplit(p).path.startswith(prefix)]
    assert 1 <= len(visits) <= limit, visits


def test_no_session_id_reaches_a_request_or_record(faulty_crawl: dict[str, Any]) -> None:
    session = re.compile(r"(?i)phpsessid|jsessionid|[?&]sid=")
    assert not [p for _m, p, _s in faulty_crawl["requests"] if session.search(p)]
    assert not [u for u in faulty_crawl["records"] if session.search(u)]


def test_every_healthy_page_is_recorded_once_and_right(faulty_crawl: dict[str, Any]) -> None:
    failing = {faulty_crawl["urls"][r] for r in ("gone_503", "retry_after_long", "broken_gzip")}
    records = faulty_crawl["records"]
    wrong = {}
    for url, want in faulty_crawl["expected"].items():
        if url in failing:
            continue
        got = records.get(url)
        assert got is not None and len(got) == 1, (url, got and len(got))
        diff = {f: (got[0][f], want[f]) for f in FIELDS if f in want and got[0][f] != want[f]}
        if diff:
            wrong[url] = diff
    assert not wrong, wrong


def test_wrong_charset_header_and_legacy_encoding_give_the_right_text(
    faulty_crawl: dict[str, Any],
) -> None:
    for role in ("wrong_charset", "legacy_declared", "legacy_wrong", "huge"):
        url = faulty_crawl["urls"][role]
        got, want = faulty_crawl["records"][url][0], faulty_crawl["expected"][url]
        assert (got["title"], got["body"]) == (want["title"], want["body"]), role


def test_legacy_page_declared_as_windows_1252_gives_the_right_text(
    faulty_crawl: dict[str, Any],
) -> None:
    url = faulty_crawl["urls"]["legacy_wrong"]
    got, want = faulty_crawl["records"][url][0], faulty_crawl["expected"][url]
    assert got["title"] == want["title"]


def test_broken_gzip_is_a_failure_not_a_crash(faulty_crawl: dict[str, Any]) -> None:
    url = faulty_crawl["urls"]["broken_gzip"]
    assert url not in faulty_crawl["records"] or faulty_crawl["records"][url][0]["title"]


# -- units -------------------------------------------------------------------------------------


def test_parse_retry_after_reads_seconds_and_dates() -> None:
    assert parse_retry_after(b"120") == 120
    assert parse_retry_after("Thu, 01 Jan 1970 00:02:00 GMT", now=60) == 60
    assert parse_retry_after(b"soon") is None and parse_retry_after(None) is None


def test_backoff_grows_and_is_capped() -> None:
    delays = [backoff_delay(n, 1.0, 10.0, jitter=False) for n in range(1, 7)]
    assert delays == [1, 2, 4, 8, 10, 10]
    assert 0.5 <= backoff_delay(1, 1.0, 10.0) <= 1.0


def test_cp1258_encoding_round_trips() -> None:
    title = "Tăng cường công tác thông tin, tuyên truyền Đại hội XIII của Đảng"
    data = encode_legacy(title, "cp1258")
    assert b"&#" not in data
    import unicodedata

    assert unicodedata.normalize("NFC", data.decode("cp1258")) == title


def test_summary_counts_pages_given_up_not_attempts(faulty_crawl: dict[str, Any]) -> None:
    line = faulty_crawl["result"].stderr.strip().splitlines()[-1]
    failed = int(re.search(r"failed (\d+)", line).group(1))
    # two 404s, a 503 for good, a Retry-After of an hour, broken gzip (the redirect loop
    # a -> b -> a ends in the duplicate filter: no page, nothing to report)
    assert failed == 5, line


def test_listing_links_are_followed_on_a_portal_with_a_port(tmp_path: Path) -> None:
    with ReplicaPortal() as portal:
        run_cli("crawl", portal.url, data=tmp_path, timeout=120)
        paths = {urlsplit(p).path for _m, p, _s in portal.requests}
    assert "/tin-tuc/page-2/" in paths

"""The `govarchive` command itself: help, parse, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scraper.replica.content import expected_record, load_articles
from search_cli.cli import COMMANDS, cli
from search_cli.parsing import parse_sources
from tests.attachment_fixtures import make_docx, make_text_pdf
from tests.conftest import run_cli

PAGES = Path(__file__).parent / "fixtures" / "pages"


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_documents_an_example(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "-h"])
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output


def test_parse_prints_one_record_per_saved_page() -> None:
    seed = PAGES / "nukeviet_egov_seed" / "input.html"
    laws = PAGES / "nukeviet_laws_44" / "input.html"
    url = json.loads((PAGES / "nukeviet_egov_seed" / "meta.json").read_text())["url"]
    result = CliRunner().invoke(cli, ["parse", str(seed), str(laws)])
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["author"] == "Thanh Vi-BTG Thị ủy" and first["kind"] == "article"
    assert second["kind"] == "document"
    one = CliRunner().invoke(cli, ["parse", str(seed), "--url", url])
    assert json.loads(one.stdout)["url"] == url


def test_parse_reads_a_page_from_standard_input() -> None:
    seed = (PAGES / "nukeviet_egov_seed" / "input.html").read_bytes()
    expected = json.loads((PAGES / "nukeviet_egov_seed" / "meta.json").read_text())["url"]
    piped = CliRunner().invoke(cli, ["parse", "-"], input=seed)
    assert piped.exit_code == 0, piped.output
    assert json.loads(piped.stdout)["url"] == expected  # the address the page declares
    assert json.loads(piped.stdout)["author"] == "Thanh Vi-BTG Thị ủy"
    url = "https://thixa.tayninh.gov.vn/tin-tuc/a-1.html"
    given = CliRunner().invoke(cli, ["parse", "-", "--url", url], input=seed)
    assert json.loads(given.stdout)["url"] == url
    bare = (PAGES / "generic_bare" / "input.html").read_bytes()
    nameless = CliRunner().invoke(cli, ["parse", "-"], input=bare)
    assert json.loads(nameless.stdout)["url"] == "file:///dev/stdin"
    empty = CliRunner().invoke(cli, ["parse", "-"], input=b"")
    assert empty.exit_code == 2 and empty.stderr.startswith("Error: -: ")


def test_parse_prints_the_text_of_pdf_and_docx(tmp_path: Path) -> None:
    (tmp_path / "ke-hoach.pdf").write_bytes(
        make_text_pdf(["Kế hoạch phòng chống thiên tai năm 2021."])
    )
    (tmp_path / "ke-hoach.docx").write_bytes(
        make_docx(["Chỉ thị về tăng cường kỷ luật hành chính."])
    )
    result = CliRunner().invoke(
        cli, ["parse", str(tmp_path / "ke-hoach.pdf"), str(tmp_path / "ke-hoach.docx")]
    )
    assert result.exit_code == 0, result.output
    pdf, docx = (json.loads(line) for line in result.stdout.splitlines())
    assert pdf["file_kind"] == "pdf" and "phòng chống thiên tai" in pdf["text"]
    assert pdf["pages"] == 1 and len(pdf["sha1"]) == 40
    assert docx["file_kind"] == "docx" and "kỷ luật hành chính" in docx["text"]


@pytest.mark.parametrize(
    "content",
    [b"", b"\x00\x01\x02\xff" * 100, b"<html><body><div><p>truncated"],
    ids=["empty", "binary", "truncated"],
)
def test_parse_bad_input_gets_a_record_or_one_line_and_exit_2(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "bad.html"
    path.write_bytes(content)
    result = CliRunner().invoke(cli, ["parse", str(path)])
    assert "Traceback" not in result.output
    if result.exit_code == 0:
        assert json.loads(result.stdout)["url"]
    else:
        assert result.exit_code == 2
        assert len(result.stderr.strip().splitlines()) == 1


def test_parse_missing_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["parse", str(tmp_path / "nope.html")])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ") and len(result.stderr.splitlines()) == 1


def test_parse_fetches_a_page_by_its_address(shared_replica: object) -> None:
    article = load_articles()[0]
    url = shared_replica.article_url(article["id"])  # type: ignore[attr-defined]
    want = expected_record(article, "article")
    shouting = "HTTP" + url[len("http") :]  # a scheme is the same in any case
    result = CliRunner().invoke(cli, ["parse", url, shouting])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 2
    for record in records:
        assert record["url"] == url
        assert {k: record[k] for k in ("title", "published", "author", "body")} == {
            k: want[k] for k in ("title", "published", "author", "body")
        }
    missing = CliRunner().invoke(cli, ["parse", url + "-khong-co"])
    assert missing.exit_code == 2
    assert missing.stderr.startswith(f"Error: {url}-khong-co: HTTP Error 404")
    assert len(missing.stderr.splitlines()) == 1


def _saved_folder(root: Path) -> list[Path]:
    """A folder of saved pages as a researcher keeps one; return its pages in path order."""
    pages = [root / "2021" / "dai-hoi.html", root / "2021" / "van-ban" / "luat.HTM"]
    for page, fixture in zip(pages, ("nukeviet_egov_seed", "nukeviet_laws_44"), strict=True):
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_bytes((PAGES / fixture / "input.html").read_bytes())
    # what a browser's "save complete page" leaves beside a page: not pages of their own
    assets = root / "2021" / "Đại hội_files"
    assets.mkdir()
    (assets / "quang-cao.html").write_bytes((PAGES / "generic_bare" / "input.html").read_bytes())
    (assets / "style.css").write_text("body { margin: 0 }")
    (root / "2021" / "ghi-chu.txt").write_text("tải về ngày 26/11/2026")
    return sorted(pages)


def test_parse_a_folder_prints_the_saved_pages_under_it(tmp_path: Path) -> None:
    pages = _saved_folder(tmp_path / "saved")
    result = CliRunner().invoke(cli, ["parse", str(tmp_path / "saved")])
    assert result.exit_code == 0, result.output
    one_by_one = [CliRunner().invoke(cli, ["parse", str(page)]).stdout.strip() for page in pages]
    assert result.stdout.splitlines() == one_by_one
    assert [json.loads(line)["kind"] for line in one_by_one] == ["article", "document"]


def test_parse_an_empty_folder_or_url_for_several_pages_is_one_line_and_exit_2(
    tmp_path: Path,
) -> None:
    (tmp_path / "empty" / "Trang_files").mkdir(parents=True)
    (tmp_path / "empty" / "Trang_files" / "x.html").write_text("<p>quảng cáo</p>")
    empty = CliRunner().invoke(cli, ["parse", str(tmp_path / "empty")])
    assert empty.exit_code == 2 and empty.stdout == ""
    assert empty.stderr.startswith("Error: ") and "no saved page" in empty.stderr
    assert len(empty.stderr.splitlines()) == 1
    _saved_folder(tmp_path / "saved")
    with_url = CliRunner().invoke(
        cli, ["parse", str(tmp_path / "saved"), "--url", "https://a.gov.vn/tin-tuc/x-1.html"]
    )
    assert with_url.exit_code == 2 and with_url.stdout == ""
    assert "--url" in with_url.stderr and len(with_url.stderr.splitlines()) == 1
    pages = [str(PAGES / name / "input.html") for name in ("kentico_article", "liferay7_article")]
    two = CliRunner().invoke(cli, ["parse", *pages, "--url", "https://a.gov.vn/tin-tuc/x-1.html"])
    assert two.exit_code == 2 and two.stdout == ""
    assert "--url" in two.stderr and len(two.stderr.splitlines()) == 1


def test_a_long_parse_prints_its_progress_on_stderr(tmp_path: Path) -> None:
    _saved_folder(tmp_path / "saved")
    out: list[str] = []
    err: list[str] = []
    sources = [str(tmp_path / "saved"), str(tmp_path / "khong-co.html")]
    failures = parse_sources(sources, None, None, out.append, err.append, progress_every=0)
    assert failures == 1 and len(out) == 2
    # a line before each page after the first: the folder itself is not a page
    assert [line.split(",")[:2] for line in err if line.startswith("parse:")] == [
        ["parse: 1 done", " 0 failed"],
        ["parse: 2 done", " 0 failed"],
    ]
    assert err[-1].startswith(f"Error: {tmp_path / 'khong-co.html'}: ")
    quiet: list[str] = []
    parse_sources(sources, None, None, out.append, quiet.append)
    assert len(quiet) == 1  # a short batch: its one error line, no progress


def test_plain_parse_without_click_prints_what_the_click_command_prints(tmp_path: Path) -> None:
    _saved_folder(tmp_path / "saved")
    sources = [
        str(tmp_path / "saved"),
        str(PAGES / "liferay62_listing" / "input.html"),
        str(tmp_path / "khong-co.html"),
        str(PAGES / "sharepoint_article" / "input.html"),
    ]
    clicked = CliRunner().invoke(cli, ["parse", *sources])
    plain = run_cli("parse", *sources, check=False)  # no option: the start-up fast path
    assert plain.returncode == clicked.exit_code == 2
    assert plain.stdout == clicked.stdout and len(plain.stdout.splitlines()) == 4
    assert plain.stderr == clicked.stderr and plain.stderr.startswith("Error: ")


def test_search_without_an_index_says_what_to_do(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--data", str(tmp_path), "search", "dai hoi"])
    assert result.exit_code == 1
    assert "run govarchive crawl first" in result.output


def test_unknown_portal_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--data", str(tmp_path), "crawl", "no-such-portal"])
    assert result.exit_code == 1
    assert "neither a portal id" in result.output

"""Export and the index/search/export commands: CSV safety, one row per hit, JSON lines, errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.export import csv_columns, iter_hits, neutralize_formula, write_csv, write_jsonl
from indexer.search import search
from scraper.record import RECORD_FIELDS
from search_cli.cli import cli
from tests.test_search_corpus import CORPUS, build_corpus_index, url_of


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("data")
    build_corpus_index(data / "index")
    return data


def run(data: Path, *args: str):
    result = CliRunner().invoke(cli, ["--data", str(data), *args], catch_exceptions=False)
    return result


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+84 276", "'+84 276"),
        ("-Quản trị", "'-Quản trị"),
        ("@Ban biên tập", "'@Ban biên tập"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Đại hội", "Đại hội"),
        ("45-CV/BTGTU", "45-CV/BTGTU"),
    ],
)
def test_formula_cells_are_neutralised(value: str, safe: str) -> None:
    assert neutralize_formula(value) == safe


def test_csv_has_every_record_field_and_safe_cells(data_dir: Path) -> None:
    out = io.StringIO()
    count = write_csv(iter_hits(data_dir / "index", "đường dây nóng"), out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert count == len(rows) == 1
    assert list(rows[0])[: len(RECORD_FIELDS)] == list(RECORD_FIELDS)
    row = rows[0]
    assert row["title"].startswith("'=HYPERLINK(")
    assert row["author"] == "'-Quản trị"
    assert row["summary"] == "'@Ban biên tập"
    assert row["body"].startswith("'+84")
    assert json.loads(row["tags"]) == []


def test_csv_lists_are_json(data_dir: Path) -> None:
    out = io.StringIO()
    write_csv(iter_hits(data_dir / "index", "number:45-CV/BTGTU"), out)
    rows = {r["url"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    document = rows[url_of("cong-van-45-cv-btgtu")]
    assert json.loads(document["attachments"])[0]["title"] == "45-CV-BTGTU.pdf"
    assert json.loads(rows[url_of("tuyen-truyen-7")]["doc_refs"]) == ["45-CV/BTGTU"]


def test_excel_csv_starts_with_a_bom(data_dir: Path) -> None:
    out = io.StringIO()
    write_csv(iter_hits(data_dir / "index", "đại hội"), out, excel=True)
    assert out.getvalue().startswith("\ufeffurl,portal,")


def test_iter_hits_streams_every_hit_in_order(data_dir: Path) -> None:
    index_dir = data_dir / "index"
    streamed = [h.record["url"] for h in iter_hits(index_dir, "thị", sort="newest")]
    paged = [h.record["url"] for h in search(index_dir, "thị", sort="newest", limit=100).hits]
    assert streamed == paged
    assert len(streamed) == search(index_dir, "thị").total


def test_jsonl_carries_every_field(data_dir: Path) -> None:
    out = io.StringIO()
    write_jsonl(iter_hits(data_dir / "index", "39/QĐ-CA"), out)
    first = json.loads(out.getvalue().splitlines()[0])
    assert set(RECORD_FIELDS) <= set(first)
    assert first["doc_number"] == "39/QĐ-CA"


@pytest.mark.parametrize("query", ["thị", "đảng", "number:45-CV/BTGTU", "tuyen*"])
def test_cli_search_csv_has_a_header_and_one_row_per_hit(data_dir: Path, query: str) -> None:
    total = search(data_dir / "index", query).total
    result = run(data_dir, "search", query, "--format", "csv", "--all")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == csv_columns()
    assert len(rows) == total + 1
    assert len({r[0] for r in rows[1:]}) == total


def test_cli_search_csv_page_has_limit_rows(data_dir: Path) -> None:
    result = run(data_dir, "search", "thị", "--format", "csv", "--limit", "2")
    assert len(list(csv.reader(io.StringIO(result.stdout)))) == 3


def test_cli_search_json_lines(data_dir: Path) -> None:
    result = run(data_dir, "search", "đại hội", "--format", "json")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["url"] for line in lines] == [url_of("dai-hoi-dang-bo-1")]
    assert "**Đại** **hội**" in lines[0]["_snippet"]


def test_cli_search_table(data_dir: Path) -> None:
    result = run(data_dir, "search", "đảng", "--limit", "2", "--facets")
    assert result.exit_code == 0
    out = result.stdout
    assert out.splitlines()[0].startswith("6 hits")
    assert "«" in out and "»" in out
    assert "page 1/3 (next: --page 2)" in out
    assert "portal: trangbang 6" in out


def test_cli_filters_and_sort(data_dir: Path) -> None:
    result = run(
        data_dir, "search", "đảng", "--from", "2021-01-01", "--to", "2021-12-31",
        "--sort", "oldest", "--kind", "article", "--format", "json",
    )  # fmt: skip
    dates = [json.loads(line)["published"] for line in result.stdout.splitlines()]
    assert dates == sorted(dates) and len(dates) == 4
    result = run(data_dir, "search", "đảng", "--exact", "--portal", "trangbang", "--format", "json")
    assert url_of("cong-trinh-cau-2") not in result.stdout


def test_cli_export_csv_and_jsonl(data_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "hits.csv"
    result = run(data_dir, "export", "đảng", "-o", str(target), "--excel")
    assert result.exit_code == 0
    assert "6 hits written" in result.stderr
    text = target.read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    assert len(list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))) == 7
    target = tmp_path / "hits.jsonl"
    run(data_dir, "export", "45-CV/BTGTU", "-o", str(target))
    lines = target.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["url"] == url_of("cong-van-45-cv-btgtu")


def test_cli_without_index_says_so(tmp_path: Path) -> None:
    for args in (["search", "đảng"], ["export", "đảng", "-o", str(tmp_path / "x.csv")]):
        result = run(tmp_path, *args)
        assert result.exit_code == 1
        assert f"no index in {tmp_path / 'index'}: run govarchive crawl first" in result.stderr


def test_cli_junk_query_is_one_line_error(data_dir: Path) -> None:
    result = run(data_dir, "search", '":: ((')
    assert result.exit_code == 1
    assert "nothing to search for" in result.stderr


def test_cli_index_upserts_from_items(tmp_path: Path) -> None:
    items = tmp_path / "items"
    items.mkdir()
    (items / "001.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in CORPUS), encoding="utf-8"
    )
    for args in (["index"], ["index"], ["index", "--rebuild"]):
        result = run(tmp_path, *args)
        assert result.exit_code == 0, result.output
        assert f"{len(CORPUS)} documents" in result.stdout


def test_every_command_has_an_example() -> None:
    import click

    ctx = click.Context(cli)
    for name in ("index", "search", "export"):
        command = cli.get_command(ctx, name)
        assert command is not None, name
        assert "Example:" in (command.help or "")


def strict_rfc4180_rows(text: str) -> list[list[str]]:
    """Parse CSV as RFC 4180 says, strictly: CRLF ends a row; a bare CR or LF is only legal quoted."""
    rows: list[list[str]] = []
    row: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] == '"':
            j, value = i + 1, []
            while True:
                k = text.index('"', j)
                value.append(text[j:k])
                if text.startswith('""', k):
                    value.append('"')
                    j = k + 2
                    continue
                i = k + 1
                break
            field = "".join(value)
        else:
            j = i
            while j < n and text[j] not in ",\r\n":
                j += 1
            field, i = text[i:j], j
            assert '"' not in field, f"quote inside an unquoted field: {field!r}"
        row.append(field)
        if text.startswith(",", i):
            i += 1
        elif text.startswith("\r\n", i):
            rows.append(row)
            row = []
            i += 2
        else:
            assert i == n, f"bare line break outside quotes at {i}: {text[i : i + 10]!r}"
    if row:
        rows.append(row)
    return rows


@pytest.mark.parametrize("value", ["a\rb", "a\nb", "a\r\nb", "x\r", "\r=1+1 thử"])
def test_csv_values_with_line_breaks_keep_the_row_whole(tmp_path: Path, value: str) -> None:
    from indexer.index import index_records
    from scraper.record import empty_record

    record = empty_record("https://example.gov.vn/tin-tuc/cr-1.html")
    record.update(kind="article", title=value, body="thử nghiệm " + value, portal="example")
    index_records(tmp_path / "index", [record])
    out = io.StringIO(newline="")
    assert write_csv(iter_hits(tmp_path / "index", "thử nghiệm"), out) == 1
    text = out.getvalue()
    expected = neutralize_formula(value)
    for rows in (
        list(csv.reader(io.StringIO(text, newline=""))),
        list(csv.reader(io.StringIO(text, newline=""), strict=True)),
        strict_rfc4180_rows(text),
    ):
        assert len(rows) == 2
        assert rows[1][rows[0].index("title")] == expected
        assert rows[1][rows[0].index("body")] == "thử nghiệm " + value


def test_cli_export_star_writes_every_record_of_a_portal(data_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "all.csv"
    result = run(data_dir, "export", "*", "--portal", "tayninh", "-o", str(target))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(target.open(encoding="utf-8", newline="")))
    assert {r["url"] for r in rows} == {url_of("hoa-binh-3"), url_of("hoa-binh-4")}
    result = run(data_dir, "search", "*", "--format", "json", "--all")
    assert len(result.stdout.splitlines()) == len(CORPUS)


def test_cli_table_shows_the_time_when_the_record_has_one(data_dir: Path) -> None:
    out = run(data_dir, "search", "kỷ niệm", "--limit", "5").stdout
    assert "2021-01-26 17:00 |" in out  # tuyen-truyen-7 has a time
    assert "2021-01-21 |" in out  # the dispatch has a bare date
    assert "2021-01-21 00:00" not in out

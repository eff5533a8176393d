"""Accuracy of the parsers on the golden pages written apart from them, round by round.

Eleven rounds of golden pages were written by people who neither read nor ran the parsers, and
each round was measured before any change it prompted. This script measures each round again
with the parsers of any git revisions (default: the session start `d4d527e`, the revision each
round was first measured at, and this tree), so the figures can be checked:

    .venv/bin/python bench/heldout.py            # every round, the default revisions
    .venv/bin/python bench/heldout.py --rev HEAD~3 --round 4

The expected records are today's: where a round's writers and the project settled a
convention differently (see `SETTLED`), the page holds the settled value, so a revision
measured here may score a little higher than at its first measurement.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PAGES = REPO / "tests" / "fixtures" / "pages"
SESSION_START = "d4d527e"

ROUNDS: dict[int, tuple[str, list[str]]] = {
    1: ("d4d527e", [
        "nukeviet_45_default_district", "nukeviet_egov_province_theo_bao",
        "nukeviet_43_default_table", "nukeviet_egov_commune_nfd_attachments",
        "nukeviet_laws_egov_chi_thi", "nukeviet_laws_45_placeholders",
        "nukeviet_dispatch_egov_cong_van_den", "liferay62_asset_full_redirect",
        "liferay7_web_content_display", "liferay62_listing_abstracts",
        "kentico_article_getattachment", "sharepoint_publishing_2013",
        "sharepoint_document_heading", "generic_joomla_jsonld", "generic_aspnet_table_layout",
    ]),
    2: ("bebc72f", [
        "generic_dnn_article", "generic_drupal_article", "generic_wordpress_yoast",
        "sharepoint_aspnet_document", "kentico_transformation", "liferay7_asset_full_content",
        "liferay62_journal_content", "nukeviet_egov_captions_signature", "nukeviet_45_home",
        "nukeviet_laws_main_listing", "nukeviet_43_school_dang_luc", "sharepoint_2010_article",
        "sharepoint_2016_document",
    ]),
    3: ("5bdee8c", [
        "generic_joomla4_article", "generic_nextjs_article", "generic_enewspaper_article",
        "kentico_transformation_images", "liferay62_vnpt_article", "liferay74_display_page",
        "liferay7_listing_abstracts", "nukeviet_theme_bootstrap", "nukeviet_dispatch_stock",
        "nukeviet_laws_full_text", "nukeviet_listing_viewcat", "sharepoint_web_part_article",
        "sharepoint_document_list",
    ]),
    4: ("6598765", [
        "generic_php_bootstrap", "generic_qppl_document", "kentico_article_stock_nfd",
        "liferay72_adt_article", "nukeviet_45_default_blockquote", "nukeviet_egov_pv_signature",
        "nukeviet_laws_nghi_quyet", "nukeviet_tag_listing", "nukeviet_40_default",
        "sharepoint_2019_web_part",
    ]),
    5: ("0b30551", [
        "generic_aspnet_vanban_chinhphu", "generic_wordpress_elementor_ubnd", "kentico_news_article",
        "liferay73_news_detail", "nukeviet_45_news_gallery", "nukeviet_dispatch_cong_van_di",
        "nukeviet_egov_news_print", "nukeviet_laws_listing_search", "nukeviet_laws_quyet_dinh_egov",
        "sharepoint_2013_vbpq_document",
    ]),
    6: ("14d8044", [
        "generic_drupal7_van_ban", "generic_joomla3_k2_article",
        "generic_wordpress_listing_category", "liferay74_document_ddm", "nukeviet_laws_pdf_viewer",
        "nukeviet_news_decomposed_legacy_43", "nukeviet_news_video_egov", "nukeviet_page_gioi_thieu",
        "nukeviet_viewcat_two_column", "sharepoint_2010_news_sa_ch",
    ]),
    7: ("a1483b2", [
        "generic_aspnet_mvc_portal_news", "generic_laravel_ministry_news", "kentico_province_news",
        "liferay62_vnpt_province_news", "nukeviet_default_45_tin_hoat_dong",
        "nukeviet_egov_article_no_signature", "nukeviet_egov_home_commune",
        "nukeviet_egov_thong_bao_short", "nukeviet_laws_cong_van_ubnd",
        "sharepoint_2013_ministry_article",
    ]),
    8: ("d8bf8d1", [
        "generic_baochinhphu_style_news", "generic_wordpress_flatsome_news",
        "kentico_listing_tin_tuc", "liferay7_ministry_news", "nukeviet_45_default_docx_attachment",
        "nukeviet_dispatch_cong_van_den", "nukeviet_egov_ubnd_huyen_table",
        "nukeviet_laws_quyet_dinh_45_default", "nukeviet_viewcat_page_new",
        "sharepoint_2016_province_news",
    ]),
    9: ("18829b1", [
        "generic_drupal10_news", "generic_joomla4_news_viet_boi", "kentico_article_nguon",
        "liferay62_journal_article_byline", "nukeviet_default_news_tac_gia",
        "nukeviet_dispatch_cong_van_di_44", "nukeviet_egov_news_signature_right",
        "nukeviet_laws_chi_thi_pdf", "nukeviet_viewcat_main_bottom", "sharepoint_2016_van_ban",
    ]),
    10: ("38eb0dc", [
        "generic_custom_php_portal_news", "generic_wordpress_astra_commune",
        "kentico_article_attachment", "liferay74_asset_publisher_article",
        "nukeviet_43_default_news_nguon_tin", "nukeviet_dispatch_45_cong_van_den",
        "nukeviet_egov_thong_bao_file", "nukeviet_laws_full_text_can_cu",
        "nukeviet_viewcat_grid_listing", "sharepoint_2013_province_news_tac_gia",
    ]),
    11: ("68d5331", [
        "generic_aspnet_webforms_news", "generic_joomla3_news", "kentico_news_listing",
        "liferay7_web_content_display_ministry", "nukeviet_45_default_news_table_video",
        "nukeviet_egov_so_news_byline", "nukeviet_laws_ke_hoach_two_files",
        "nukeviet_viewcat_page_list", "sharepoint_2010_ministry_news_sa",
        "sharepoint_dispform_van_ban",
    ]),
}  # fmt: skip
"""Each round's pages and the revision it was first measured at (before the changes it prompted)."""

SETTLED = {
    "liferay62_listing_abstracts": "links: sidebar article links count, as in every listing",
    "sharepoint_document_heading": "category: the Lĩnh vực field before the breadcrumb",
    "nukeviet_43_default_table": "body: a table row's cells joined by ' | '",
    "generic_drupal_article": "url: the address given, not the canonical link",
    "sharepoint_aspnet_document": "cms: an ASP.NET portal's document pages are 'sharepoint'",
    "nukeviet_dispatch_stock": "title: the trích yếu when the page has no title of its own",
    "generic_php_bootstrap": "summary: the description meta when no lead is marked",
    "nukeviet_dispatch_cong_van_di": "body: null without a full text; category: not the module's "
    "name; doc_type: as shown ('Công văn đi')",
    "sharepoint_2013_vbpq_document": "body: null without a full text",
    "generic_aspnet_vanban_chinhphu": "body: without the letterhead table; a <br> starts a line",
    "nukeviet_laws_pdf_viewer": "doc_refs: not the related documents the site lists",
    "generic_aspnet_mvc_portal_news": "cms: an ASP.NET MVC site without Web Forms markup is generic",
    "generic_wordpress_flatsome_news": "published: a <time datetime> gives the time (as joomla4)",
    "nukeviet_viewcat_page_new": "links: sidebar article links count, as in every listing",
    "nukeviet_laws_chi_thi_pdf": "doc_refs: not the related documents the site lists",
    "nukeviet_viewcat_main_bottom": "links: sidebar article links count, as in every listing",
    "nukeviet_viewcat_grid_listing": "links: the portal's own pages only; sidebar links count",
    "generic_wordpress_astra_commune": "tags: the declared tags (Yoast's keywords) though not shown",
    "kentico_news_listing": "links: sidebar article links count, as in every listing",
    "nukeviet_viewcat_page_list": "links: sidebar article links count, as in every listing",
    "generic_aspnet_webforms_news": "cms: an ASP.NET site's article in a layout of its own is "
    "read by 'generic' (as generic_aspnet_table_layout)",
    "nukeviet_laws_ke_hoach_two_files": "doc_refs: not the related documents the site lists",
}
"""Pages whose expected record holds a settled convention instead of the writer's value."""

MEASURE = """
import json, sys
sys.path.insert(0, sys.argv[1])
from scraper.parsers import parse_page  # the revision's parsers, imported first
sys.path.insert(0, sys.argv[2])
from extraction import PIPELINE_FIELDS, field_correct
import scraper.parsers
assert scraper.parsers.__file__.startswith(sys.argv[1]), scraper.parsers.__file__
pages = json.loads(sys.stdin.read())
out = {}
for name, url, path, expected in pages:
    try:
        got = parse_page(url, open(path, "rb").read())
    except Exception as exc:
        got = {"error": repr(exc)}
    out[name] = {f: field_correct(f, want, got.get(f))
                 for f, want in expected.items() if f not in PIPELINE_FIELDS}
print(json.dumps(out))
"""


def _page(name: str) -> tuple[str, str, str, dict[str, Any]]:
    folder = PAGES / name
    url = json.loads((folder / "meta.json").read_text(encoding="utf-8"))["url"]
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    return name, url, str(folder / "input.html"), expected


def measure(rev: str | None, names: list[str]) -> dict[str, dict[str, bool]]:
    """Return per page, per field, whether the parsers at `rev` (None: this tree) get it right."""
    pages = json.dumps([_page(n) for n in names])
    with tempfile.TemporaryDirectory(prefix="govarchive-heldout-") as old:
        root = REPO
        if rev is not None:
            archive = subprocess.run(
                ["git", "-C", str(REPO), "archive", rev, "scraper"], capture_output=True, check=True
            ).stdout
            subprocess.run(["tar", "-x", "-C", old], input=archive, check=True)
            root = Path(old)
        out = subprocess.run(
            [sys.executable, "-c", MEASURE, str(root), str(REPO / "bench")],
            input=pages, capture_output=True, text=True, check=True, cwd=old,
        )  # fmt: skip
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def summary_line(result: dict[str, dict[str, bool]]) -> str:
    """Return 'right/all (pct), pages wholly right' for one measurement."""
    values = [ok for fields in result.values() for ok in fields.values()]
    whole = sum(all(fields.values()) for fields in result.values())
    return (
        f"{sum(values)}/{len(values)} ({100 * sum(values) / len(values):.1f}%), "
        f"{whole}/{len(result)} pages wholly right"
    )


def main() -> None:
    """Print, for each round, its accuracy with the parsers of each revision asked for."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rev",
        action="append",
        help="git revision (repeatable); default: "
        "the session start, each round's first measurement, and this tree",
    )
    parser.add_argument("--round", type=int, action="append", choices=sorted(ROUNDS))
    args = parser.parse_args()  # fmt: skip
    for number in args.round or sorted(ROUNDS):
        first, names = ROUNDS[number]
        revs: list[str | None] = list(args.rev) if args.rev else [SESSION_START, first, None]
        print(f"round {number} ({len(names)} pages, first measured at {first}):")
        for rev in dict.fromkeys(revs):
            print(f"  {rev or 'this tree':>10}: {summary_line(measure(rev, names))}")
    print("settled conventions in the expected records:", file=sys.stderr)
    for name, what in SETTLED.items():
        print(f"  {name}: {what}", file=sys.stderr)


if __name__ == "__main__":
    main()

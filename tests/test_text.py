"""Text normalisation, paragraphs, accent folding and signature splitting."""

from __future__ import annotations

import unicodedata

import lxml.html
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from scraper.parsers.base import author_label, looks_like_name, split_signature
from scraper.parsers.text import (
    Paragraph,
    block_text,
    fold_accents,
    normalize_text,
    paragraphs,
    styled_paragraphs,
)


def fragment(markup: str) -> lxml.html.HtmlElement:
    return lxml.html.fragment_fromstring(markup, create_parent="div")


def test_normalize_text_composes_nfd() -> None:
    decomposed = unicodedata.normalize("NFD", "Thị ủy Tây Ninh")
    assert normalize_text(decomposed) == "Thị ủy Tây Ninh"
    assert unicodedata.is_normalized("NFC", normalize_text(decomposed))


def test_normalize_text_whitespace_nbsp_and_controls() -> None:
    assert normalize_text("  a\u00a0\u00a0b\t\n c\u200bd\x07e\ufeff\u00ad ") == "a b cde"


def test_normalize_text_empty() -> None:
    assert normalize_text("") == ""
    assert normalize_text(" \u00a0\n") == ""


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Đại hội Đảng", "Dai hoi Dang"),
        ("đồng chí", "dong chi"),
        ("Thứ bảy", "Thu bay"),
        (unicodedata.normalize("NFD", "Quyết định"), "Quyet dinh"),
        ("Tiếng Việt có dấu ỹ ỵ ữ", "Tieng Viet co dau y y u"),
    ],
)
def test_fold_accents(text: str, folded: str) -> None:
    assert fold_accents(text) == folded


def test_block_text_turns_br_into_newlines() -> None:
    el = fragment("<td> - Các cơ quan<br>- UBND các xã,&nbsp; phường </td>")
    assert block_text(el) == "- Các cơ quan\n- UBND các xã, phường"


def test_block_text_of_none_is_empty() -> None:
    assert block_text(None) == ""


def test_paragraphs_in_order_skipping_script_style_and_comments() -> None:
    el = fragment(
        "<h2>Tiêu đề</h2><p>Một <b>hai</b> ba</p><script>var x = 1;</script>"
        "<style>p {}</style><noscript>bật JS</noscript><!-- ghi chú -->"
        "<div>Bốn<br>Năm</div><ul><li>Sáu</li><li>Bảy</li></ul><p>&nbsp;</p>"
    )
    assert paragraphs(el) == ["Tiêu đề", "Một hai ba", "Bốn", "Năm", "Sáu", "Bảy"]


def test_comment_tail_text_is_kept() -> None:
    el = fragment("<p>trước<!-- c -->sau</p>")
    assert paragraphs(el) == ["trướcsau"]


def test_data_table_rows_are_one_paragraph_each() -> None:
    el = fragment(
        "<table><tr><td><p>Ngày</p></td><td>Nội dung</td></tr>"
        "<tr><td>10/6</td><td><p>Tiếp</p><p>công dân</p></td></tr></table>"
    )
    assert paragraphs(el) == ["Ngày | Nội dung", "10/6 | Tiếp công dân"]


def test_layout_table_cells_are_blocks() -> None:
    long_text = "Nội dung dài. " * 40
    el = fragment(f"<table><tr><td><p>{long_text}</p><p>Đoạn hai</p></td></tr></table>")
    assert paragraphs(el) == [long_text.strip(), "Đoạn hai"]


def test_styled_paragraphs_flags() -> None:
    el = fragment(
        '<p>thường</p><p style="text-align: right;"><strong>Thanh Vi</strong></p>'
        '<p><b>Đậm</b> một phần</p><div align="right"><span style="font-weight:bold">X</span></div>'
    )
    assert styled_paragraphs(el) == [
        Paragraph("thường", False, False),
        Paragraph("Thanh Vi", True, True),
        Paragraph("Đậm một phần", False, False),
        Paragraph("X", True, True),
    ]


def test_deep_nesting_does_not_recurse() -> None:
    root = leaf = lxml.html.Element("div")
    for _ in range(5000):
        leaf = etree.SubElement(leaf, "span")
    leaf.text = "sâu"
    assert paragraphs(root) == ["sâu"]


BODY = [Paragraph("Đoạn thân bài thứ nhất, đủ dài để là một đoạn văn."), Paragraph("Đoạn hai.")]


@pytest.mark.parametrize(
    ("ending", "author", "source"),
    [
        ([Paragraph("Thanh Vi-BTG Thị ủy", bold=True, right=True)], "Thanh Vi-BTG Thị ủy", None),
        ([Paragraph("Minh Châu (Phòng VH-TT)", bold=True)], "Minh Châu (Phòng VH-TT)", None),
        ([Paragraph("Quốc Bảo", right=True)], "Quốc Bảo", None),
        ([Paragraph("Hữu Phước - Công an thị xã", bold=True)], "Hữu Phước - Công an thị xã", None),
        ([Paragraph("Theo Báo Tây Ninh")], None, "Báo Tây Ninh"),
        ([Paragraph("(Theo baochinhphu.vn)")], None, "baochinhphu.vn"),
        ([Paragraph("Nguồn: Sở Tư pháp")], None, "Sở Tư pháp"),
        ([Paragraph("Tác giả: Lan Anh")], "Lan Anh", None),
        ([Paragraph("Tin, ảnh: Hữu Đức")], "Hữu Đức", None),
        (
            [Paragraph("Quốc Bảo", bold=True), Paragraph("Nguồn: Đảng bộ Phường 1")],
            "Quốc Bảo",
            "Đảng bộ Phường 1",
        ),
        # an office signs a notice: bold and right-aligned, not a person's name
        (
            [Paragraph("Văn phòng HĐND-UBND xã", bold=True, right=True)],
            "Văn phòng HĐND-UBND xã",
            None,
        ),
        # a template's last-edit line after the signature is no text of the article
        (
            [
                Paragraph("Phương Linh", right=True),
                Paragraph("Cập nhật lần cuối: 16/05/2024 | 08:47"),
            ],
            "Phương Linh",
            None,
        ),
    ],
)
def test_split_signature_endings(
    ending: list[Paragraph], author: str | None, source: str | None
) -> None:
    body, found_author, found_source = split_signature(BODY + ending)
    assert (body, found_author, found_source) == ([p.text for p in BODY], author, source)


@pytest.mark.parametrize(
    "last",
    [
        Paragraph("Đề nghị các cơ quan, đơn vị triển khai thực hiện."),
        Paragraph("Một số hình ảnh tại buổi lễ:", bold=True),
        Paragraph("Trân trọng cảm ơn!", bold=True, right=True),
        Paragraph(
            "Ban Tổ chức trân trọng kính mời các đại biểu tham dự đông đủ.", bold=True, right=True
        ),
        Paragraph("Văn phòng HĐND-UBND xã", bold=True),  # an office, but only bold
        Paragraph("Thanh Vi"),  # a name, but neither bold nor right-aligned
        Paragraph("Theo kế hoạch, hội nghị kéo dài hai ngày"),
        Paragraph("Phòng Tài chính - Kế hoạch thị xã thực hiện chi trả", bold=True),
        # an edit that the article tells of, not a date line
        Paragraph(
            "Quy chế được chỉnh sửa lần cuối vào ngày 16/05/2024 theo góp ý của các sở, ngành."
        ),
    ],
)
def test_split_signature_leaves_ordinary_endings(last: Paragraph) -> None:
    body, author, source = split_signature([*BODY, last])
    assert (body, author, source) == ([p.text for p in BODY] + [last.text], None, None)


def test_byline_block_wins_over_body_signature() -> None:
    body, author, source = split_signature(
        [*BODY, Paragraph("Minh Châu", bold=True)],
        ["Tác giả bài viết: Ngọc Hân", "Nguồn tin: Thị đoàn"],
    )
    assert (body, author, source) == ([p.text for p in BODY], "Ngọc Hân", "Thị đoàn")


def test_split_signature_never_empties_the_body() -> None:
    assert split_signature([Paragraph("Thanh Vi", bold=True)]) == (["Thanh Vi"], None, None)


def test_split_signature_accepts_plain_strings() -> None:
    assert split_signature(["Thân bài.", "Theo Báo Tây Ninh"]) == (
        ["Thân bài."],
        None,
        "Báo Tây Ninh",
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thanh Vi-BTG Thị ủy", True),
        ("Minh Châu (Phòng VH-TT)", True),
        ("PV", True),
        ("Hữu Phước - Công an thị xã", True),
        ("Phương Thảo - VP HĐND-UBND", True),
        ("Ban Biên tập", False),
        ("Kết thúc.", False),
        ("Ngày 26/01/2021", False),
        ("Viết bởi: Hữu Danh", False),
        ("", False),
    ],
)
def test_looks_like_name(text: str, expected: bool) -> None:
    assert looks_like_name(text) is expected


def test_invisible_characters_are_not_printable() -> None:
    # normalize_text skips the removal pass on printable text
    from scraper.parsers.text import _INVISIBLE

    assert not [
        hex(c) for c in range(0x110000) if _INVISIBLE.match(chr(c)) and chr(c).isprintable()
    ]
    assert normalize_text("a\u200bb\u00adc\x85d\ufeff e\u0301") == "abcd \u00e9"


def test_whitespace_is_unprintable_but_the_space_and_nfc_makes_none() -> None:
    # normalize_text returns printable text with single spaces as it is, stripped
    assert [c for c in range(0x110000) if chr(c).isspace() and chr(c).isprintable()] == [0x20]
    assert not [
        hex(c)
        for c in range(0x110000)
        if chr(c).isprintable()
        and any(x.isspace() for x in unicodedata.normalize("NFC", chr(c)).replace(" ", ""))
    ]


_SPACES_AND_MARKS = "  \t\n\u00a0\u2003\u3000\u200b\u0301\u0323ạĐ.xa"


@given(st.text(alphabet=st.sampled_from(_SPACES_AND_MARKS), max_size=30) | st.text(max_size=30))
def test_normalize_text_is_nfc_of_the_visible_text_with_whitespace_collapsed(text: str) -> None:
    from scraper.parsers.text import _INVISIBLE

    visible = unicodedata.normalize("NFC", _INVISIBLE.sub("", text))
    assert normalize_text(text) == " ".join(visible.split())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tác giả: Ngọc Hân", "Ngọc Hân"),
        ("Tác giả bài viết: Thanh Hương", "Thanh Hương"),
        ("Viết bởi: Hữu Danh", "Hữu Danh"),  # Joomla's "Written by" in Vietnamese
        ("Written by: Hữu Danh", "Hữu Danh"),
        ("Viết bởi Hữu Danh", None),
        ("PV: Minh Anh", "Minh Anh"),
        ("Lượt xem: 617", None),
    ],
)
def test_author_label(text: str, expected: str | None) -> None:
    assert author_label(text) == expected

"""Vietnamese analysis: NFC, accent folding, tone-placement variants, bigrams."""

from __future__ import annotations

import unicodedata

import pytest

from indexer.analysis import (
    bigram_analyzer,
    bigrams,
    exact_analyzer,
    exact_word,
    fold_word,
    folded_analyzer,
)


@pytest.mark.parametrize(
    ("word", "folded"),
    [("Đại", "dai"), ("đảng", "dang"), ("ĐANG", "dang"), ("Nguyễn", "nguyen"), ("khoẻ", "khoe")],
)
def test_fold_word_strips_accents_and_maps_d_stroke(word: str, folded: str) -> None:
    assert fold_word(word) == folded


@pytest.mark.parametrize(
    ("old_style", "new_style"),
    [("hòa", "hoà"), ("thủy", "thuỷ"), ("qúy", "quý"), ("khỏe", "khoẻ"), ("Hóa", "hoá")],
)
def test_tone_placement_variants_share_one_exact_form(old_style: str, new_style: str) -> None:
    assert exact_word(old_style) == exact_word(new_style)


@pytest.mark.parametrize(("a", "b"), [("đảng", "đang"), ("hội", "hồi"), ("của", "cua")])
def test_exact_form_keeps_accents_apart(a: str, b: str) -> None:
    assert exact_word(a) != exact_word(b)


@pytest.mark.parametrize("word", ["người", "hoàng", "giữa", "khuỷu", "tuyến", "quốc"])
def test_exact_form_of_a_well_placed_word_is_itself(word: str) -> None:
    assert exact_word(word) == word


def test_decomposed_text_is_one_token_per_syllable() -> None:
    text = unicodedata.normalize("NFD", "Đại hội Đảng bộ")
    assert [t.text for t in folded_analyzer()(text)] == ["dai", "hoi", "dang", "bo"]
    assert [t.text for t in exact_analyzer()(text)] == ["đại", "hội", "đảng", "bộ"]


def test_bigram_analyzer_pairs_adjacent_syllables_with_positions() -> None:
    tokens = [(t.text, t.pos) for t in bigram_analyzer()("Đại hội Đảng bộ", positions=True)]
    assert tokens == [("dai_hoi", 0), ("hoi_dang", 1), ("dang_bo", 2)]
    assert bigrams(["dai", "hoi", "dang"]) == ["dai_hoi", "hoi_dang"]


def test_no_stop_words_are_dropped() -> None:
    assert [t.text for t in folded_analyzer()("lãnh đạo của Đảng")] == [
        "lanh",
        "dao",
        "cua",
        "dang",
    ]

"""Colours and contrast: pure Python, no Kivy."""

import subprocess
import sys
from pathlib import Path

import pytest

from appkit import palette
from appkit.palette import TEXT_PAIRS, TextPair, contrast_ratio, meets_aa, rgba

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("pair", TEXT_PAIRS, ids=lambda pair: pair.name)
def test_every_declared_text_pair_meets_wcag_aa(pair: TextPair) -> None:
    needed = 3.0 if pair.large else 4.5
    assert contrast_ratio(pair.text, pair.background) >= needed, pair


@pytest.mark.parametrize(
    ("foreground", "background", "expected"),
    [("#000000", "#FFFFFF", 21.0), ("#FFFFFF", "#FFFFFF", 1.0), ("#777777", "#FFFFFF", 4.48)],
)
def test_contrast_ratio_matches_wcag_reference_values(foreground: str, background: str, expected: float) -> None:
    assert contrast_ratio(foreground, background) == pytest.approx(expected, abs=0.01)


def test_contrast_ratio_is_symmetric_and_accepts_kivy_tuples() -> None:
    assert contrast_ratio((1, 1, 1, 1), "#0B3D91") == pytest.approx(contrast_ratio("#0B3D91", "#FFFFFF"))


def test_translucent_text_is_blended_over_its_background() -> None:
    assert contrast_ratio((0, 0, 0, 0), "#FFFFFF") == pytest.approx(1.0)
    assert contrast_ratio((0, 0, 0, 0.5), "#FFFFFF") < contrast_ratio("#000000", "#FFFFFF")


def test_large_text_needs_only_three_to_one() -> None:
    grey_on_white = ("#949494", "#FFFFFF")  # about 3.0:1
    assert meets_aa(TextPair("large", *grey_on_white, large=True))
    assert not meets_aa(TextPair("normal", *grey_on_white))


def test_rgba_parses_hex_and_overrides_alpha() -> None:
    assert rgba("#FF000080") == pytest.approx((1.0, 0.0, 0.0, 128 / 255))
    assert rgba("#0000FF", alpha=0.25) == (0.0, 0.0, 1.0, 0.25)
    assert rgba((0.5, 0.5, 0.5)) == (0.5, 0.5, 0.5, 1.0)


@pytest.mark.parametrize("bad", ["red", "#12345", "#GGGGGG", (2, 0, 0), (0.1,)])
def test_rgba_rejects_bad_colours_with_a_bilingual_message(bad: object) -> None:
    with pytest.raises(ValueError, match="颜色.*colour"):
        rgba(bad)  # type: ignore[arg-type]


def test_button_and_banner_styles_are_all_declared_text_pairs() -> None:
    declared = {(pair.text, pair.background) for pair in TEXT_PAIRS}
    for style in palette.BUTTON_STYLES.values():
        assert (style.text, style.background) in declared
        assert (style.text, style.pressed) in declared
    for background, text in palette.BANNER_STYLES.values():
        assert (text, background) in declared


def test_palette_does_not_import_kivy() -> None:
    code = "import sys, appkit.palette; assert 'kivy' not in sys.modules, 'kivy imported'"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr

"""Theme sizes and the large-text scale (Kivy side)."""

from collections.abc import Iterator

import pytest

from appkit import theme
from appkit.testing import show_widget
from appkit.widgets import BigButton

pytestmark = pytest.mark.ui


@pytest.fixture(autouse=True)
def normal_text_size() -> Iterator[None]:
    yield
    theme.ui.large_text = False
    theme.ui.ui_scale = 1.0


def test_mm_follows_the_screen_dpi() -> None:
    from kivy.metrics import Metrics

    assert theme.mm(25.4) == pytest.approx(Metrics.dpi * Metrics.density)
    assert theme.touch_target_px() == pytest.approx(theme.mm(15))


def test_large_text_mode_scales_font_sizes_and_switches_back() -> None:
    normal = theme.font_px("body")
    theme.ui.large_text = True
    assert theme.ui.ui_scale == theme.LARGE_TEXT_SCALE
    assert theme.font_px("body") == pytest.approx(normal * theme.LARGE_TEXT_SCALE)
    theme.ui.large_text = False
    assert theme.font_px("body") == pytest.approx(normal)


def test_large_text_is_at_least_one_and_a_half_times() -> None:
    """Issue 9: ~1.25× was too little for the elderly; large text is at least 1.5× every themed size."""
    normal = {role: theme.font_px(role) for role in theme.FONT_SP}
    theme.ui.large_text = True
    assert theme.LARGE_TEXT_SCALE >= 1.5
    assert all(theme.font_px(role) >= 1.5 * size - 1e-6 for role, size in normal.items())


def test_an_explicit_scale_overrides_the_shared_one() -> None:
    assert theme.font_px("title", 2.0) == pytest.approx(2 * theme.font_px("title", 1.0))


def test_unknown_font_role_names_the_known_roles() -> None:
    with pytest.raises(KeyError, match="unknown font role.*body"):
        theme.font_px("huge")


@pytest.mark.parametrize("bad_scale", [0, -1, 10])
def test_ui_scale_outside_its_bounds_is_refused(bad_scale: float) -> None:
    with pytest.raises(ValueError):
        theme.ui.ui_scale = bad_scale


def test_widgets_bound_to_ui_scale_grow_live() -> None:
    button = BigButton(text_zh="户籍业务", text_en="Household Registration")
    with show_widget(button) as shown:
        normal = shown.ids.zh_label.font_size
        theme.ui.large_text = True
        assert shown.ids.zh_label.font_size == pytest.approx(normal * theme.LARGE_TEXT_SCALE)
        assert shown.ids.en_label.font_size == pytest.approx(theme.font_px("button_en"))

"""Shared widgets rendered headless: Chinese glyphs, touch, banner, header."""

from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from kivy.core.text import Label as CoreLabel
from kivy.core.window import Window
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.widget import Widget
from PIL import Image

from appkit import theme
from appkit.testing import (
    advance_frames,
    assert_touch_targets,
    find_by_id,
    find_by_text,
    screenshot,
    show_widget,
    tap,
)
from appkit.widgets import (
    OFFLINE_MESSAGE_EN,
    OFFLINE_MESSAGE_ZH,
    BigButton,
    BilingualLabel,
    HeaderBar,
    StatusBanner,
    format_clock,
)

pytestmark = pytest.mark.ui

FIXED_NOW = datetime(2025, 5, 6, 14, 3)  # a Tuesday


def _hall_screen() -> tuple[BoxLayout, BigButton]:
    screen = BoxLayout(orientation="vertical")
    screen.add_widget(
        HeaderBar(hall_name="朝阳区政务服务中心", hall_name_en="Chaoyang Service Center", now=lambda: FIXED_NOW)
    )
    banner = StatusBanner()
    banner.show()
    screen.add_widget(banner)
    body = BoxLayout(padding=theme.mm(4), spacing=theme.mm(4))
    button = BigButton(text_zh="户籍业务", text_en="Household Registration")
    body.add_widget(button)
    body.add_widget(BigButton(text_zh="逾期 A001", text_en="Overdue", kind="danger"))
    screen.add_widget(body)
    screen.add_widget(BilingualLabel(text_zh="请取号 A001", text_en="Please take a ticket"))
    return screen, button


@pytest.fixture
def hall_screen() -> Iterator[tuple[BoxLayout, BigButton]]:
    screen, button = _hall_screen()
    Window.clearcolor = theme.rgba(theme.BACKGROUND)
    with show_widget(screen, size=(900, 600)):
        yield screen, button


def _glyph_images(text: str, **options: object) -> list[bytes]:
    images = []
    for character in text:
        label = CoreLabel(text=character, font_size=40, **options)
        label.refresh()
        images.append(bytes(label.texture.pixels))
    return images


def test_each_chinese_character_renders_its_own_glyph() -> None:
    with show_widget(Widget()):
        glyphs = _glyph_images("户籍业务")
        assert len(set(glyphs)) == 4  # a font without Chinese draws four identical boxes
        label = CoreLabel(text="户籍业务", font_size=40)
        label.refresh()
        assert label.texture.width >= 4 * 40 * 0.9  # CJK glyphs are full width


def test_the_glyph_check_catches_a_font_without_chinese() -> None:
    from kivy import kivy_data_dir

    with show_widget(Widget()):
        roboto = f"{kivy_data_dir}/fonts/Roboto-Regular.ttf"
        assert len(set(_glyph_images("户籍业务", font_name=roboto))) == 1


def _window_region(image: Image.Image, widget: Widget) -> Image.Image:
    left, bottom = widget.to_window(widget.x, widget.y)
    top = image.height - (bottom + widget.height)
    return image.crop((int(left), int(top), int(left + widget.width), int(top + widget.height)))


def _share_of_pixels_near(region: Image.Image, colour: tuple[float, ...], tolerance: int = 60) -> float:
    target = [round(channel * 255) for channel in colour[:3]]
    pixels = list(region.convert("RGB").tobytes())
    pixels = [tuple(pixels[index : index + 3]) for index in range(0, len(pixels), 3)]
    close = sum(1 for pixel in pixels if all(abs(a - b) <= tolerance for a, b in zip(pixel, target, strict=True)))
    return close / len(pixels)


def test_screenshot_shows_the_button_text_on_the_button_colour(hall_screen: tuple[BoxLayout, BigButton]) -> None:
    _screen, button = hall_screen
    path = screenshot("appkit_hall_screen")
    image = Image.open(path)
    assert image.size == (900, 600)
    zh_region = _window_region(image, button.ids.zh_label)
    text_share = _share_of_pixels_near(zh_region, button.text_rgba)
    assert 0.03 < text_share < 0.6  # white strokes on blue, neither empty nor a filled box
    assert _share_of_pixels_near(_window_region(image, button), button.background_rgba) > 0.5


def test_header_shows_hall_name_and_injected_clock(hall_screen: tuple[BoxLayout, BigButton]) -> None:
    assert find_by_text("朝阳区政务服务中心")
    assert find_by_id("clock_label").text == "2025-05-06 星期二 14:03"


def test_tapping_the_big_button_fires_on_release(hall_screen: tuple[BoxLayout, BigButton]) -> None:
    _screen, button = hall_screen
    released: list[BigButton] = []
    button.bind(on_release=released.append)
    tap(find_by_text("户籍业务"))
    assert released == [button]


def test_a_disabled_button_ignores_taps_and_looks_disabled(hall_screen: tuple[BoxLayout, BigButton]) -> None:
    _screen, button = hall_screen
    released: list[BigButton] = []
    button.bind(on_release=released.append)
    button.disabled = True
    tap(button)
    assert released == []
    assert tuple(button.background_rgba) == theme.rgba(theme.DISABLED_BG)


def test_pressing_darkens_the_button() -> None:
    button = BigButton(text_zh="取号", kind="success")
    assert tuple(button.background_rgba) == theme.rgba(theme.SUCCESS)
    button.state = "down"
    assert tuple(button.background_rgba) == theme.rgba(theme.SUCCESS_PRESSED)


@pytest.mark.parametrize(
    "crowded",
    [
        lambda: BoxLayout(orientation="horizontal", size_hint=(None, None), size=(100, 300)),
        lambda: BoxLayout(orientation="vertical", size_hint=(None, None), size=(300, 100)),
        lambda: GridLayout(cols=3, size_hint=(None, None), size=(60, 40)),
    ],
    ids=["row", "column", "grid"],
)
def test_buttons_keep_the_minimum_touch_size_when_crowded(crowded: Callable[[], Widget]) -> None:
    layout = crowded()
    for number in range(6):
        layout.add_widget(BigButton(text_zh=f"{number}号"))
    with show_widget(layout):
        assert_touch_targets(layout)


def test_touch_target_check_reports_a_button_that_is_too_small() -> None:
    tiny = BigButton(text_zh="小", size_hint=(None, None), size=(20, 20))
    with show_widget(BoxLayout()) as screen, pytest.raises(AssertionError, match="15 mm"):
        screen.add_widget(tiny)
        assert_touch_targets(screen)


def test_banner_is_hidden_until_shown_and_defaults_to_reconnecting() -> None:
    banner = StatusBanner()
    with show_widget(BoxLayout(orientation="vertical")) as screen:
        screen.add_widget(banner)
        screen.add_widget(Widget())
        assert banner.height == 0
        banner.show()
        advance_frames(2)
        assert banner.height > theme.mm(5)
        assert find_by_text(OFFLINE_MESSAGE_ZH) and find_by_text(OFFLINE_MESSAGE_EN)
        banner.hide()
        advance_frames(2)
        assert banner.height == 0


def test_warning_banner_uses_the_warning_colours() -> None:
    banner = StatusBanner()
    banner.show("打印机缺纸", "Printer out of paper", kind="warning")
    assert tuple(banner.background_rgba) == theme.rgba(theme.WARNING_BG)
    assert banner.message_zh == "打印机缺纸"


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2025, 5, 5, 9, 0), "2025-05-05 星期一 09:00"),
        (datetime(2025, 5, 11, 23, 59), "2025-05-11 星期日 23:59"),
    ],
)
def test_clock_text_is_chinese_date_weekday_and_time(moment: datetime, expected: str) -> None:
    assert format_clock(moment) == expected


def test_header_clock_stops_ticking_when_removed() -> None:
    header = HeaderBar(hall_name="测试大厅")
    holder = BoxLayout()
    holder.add_widget(header)
    assert header._tick_event is not None
    holder.remove_widget(header)
    assert header._tick_event is None


@pytest.mark.parametrize(
    "hide",
    [lambda panel, _button: setattr(panel, "opacity", 0), lambda _panel, button: setattr(button, "height", 0)],
    ids=["transparent-parent", "collapsed"],
)
def test_touch_target_check_skips_hidden_buttons(hide: Callable[[Widget, Widget], None]) -> None:
    panel = BoxLayout()
    tiny = BigButton(text_zh="小", size_hint=(None, None), size=(20, 20))
    panel.add_widget(tiny)
    with show_widget(BoxLayout()) as screen:
        screen.add_widget(panel)
        advance_frames(1)
        hide(panel, tiny)
        assert_touch_targets(screen)

"""appkit.keypad: the on-screen numeric keypad for touch-only devices (no keyboard)."""

from __future__ import annotations

import pytest
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.textinput import TextInput

from appkit.keypad import CLEAR, ERASE, LAYOUT, NumericKeypad
from appkit.testing import assert_touch_targets, screenshot, show_widget, tap

pytestmark = pytest.mark.ui


def _screen() -> tuple[BoxLayout, TextInput, TextInput, NumericKeypad]:
    box = BoxLayout(orientation="vertical", padding=20, spacing=10)
    first = TextInput(multiline=False, size_hint_y=None, height=60, font_size=28)
    second = TextInput(multiline=False, size_hint_y=None, height=60, font_size=28, password=True)
    keypad = NumericKeypad(max_length=6)
    keypad.follow_focus([first, second])
    for widget in (first, second, keypad):
        box.add_widget(widget)
    return box, first, second, keypad


def test_the_keys_type_into_the_chosen_field_without_a_keyboard() -> None:
    box, first, second, keypad = _screen()
    with show_widget(box, size=(800, 900)):
        assert [b.key for b in keypad.children[::-1]] == list(LAYOUT)
        assert keypad.target is first  # the first field until another is touched
        for key in "9001":
            tap(keypad.keys[key])
        assert first.text == "9001"
        tap(second)  # touching a field chooses it
        assert keypad.target is second
        for key in "12345678":  # at most max_length digits
            tap(keypad.keys[key])
        assert second.text == "123456" and first.text == "9001"
        tap(keypad.keys[ERASE])
        assert second.text == "12345"
        assert_touch_targets(box)
        screenshot("appkit_keypad")
        tap(keypad.keys[CLEAR])
        assert second.text == ""


def test_without_a_target_the_keys_are_only_reported() -> None:
    keypad = NumericKeypad(types_into_target=False)
    pressed: list[str] = []
    keypad.bind(on_key=lambda _k, key: pressed.append(key))
    with show_widget(keypad, size=(600, 800)):
        for key in ("4", "2", ERASE, CLEAR):
            tap(keypad.keys[key])
    assert pressed == ["4", "2", ERASE, CLEAR]

"""An on-screen numeric keypad for touch-only devices (no keyboard): digits, Clear and Delete as big buttons.

It types into ``target`` — a TextInput or any widget with a ``text`` property — and dispatches ``on_key`` with
the key ("0"–"9", CLEAR or ERASE), so it also serves screens that keep the digits elsewhere (a presenter)::

    NumericKeypad:
        id: keypad
        target: staff_field          # typing goes here; change it when another field is chosen
        max_length: 8                # 0: no limit
        on_key: app.key_pressed(args[1])

Point ``target`` at the field the user chose (bind a TextInput's ``focus``); :meth:`NumericKeypad.follow_focus`
does that for a list of fields. A physical keyboard still types into the TextInputs as usual. ``target`` may be
a kv id (a weak proxy): compare it with ``==``, not ``is``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from appkit.boot import ensure_prepared

ensure_prepared()

from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty  # noqa: E402
from kivy.uix.gridlayout import GridLayout  # noqa: E402
from kivy.uix.widget import Widget  # noqa: E402

from appkit import theme  # noqa: E402
from appkit.widgets import BigButton  # noqa: E402

CLEAR = "clear"
ERASE = "erase"
LAYOUT = ("1", "2", "3", "4", "5", "6", "7", "8", "9", CLEAR, "0", ERASE)
LABELS = {CLEAR: ("清除", "Clear"), ERASE: ("删除", "Delete")}


class KeypadButton(BigButton):
    """One key; ``key`` is what it types ("0"–"9", CLEAR or ERASE)."""

    def __init__(self, key: str, **kwargs: Any) -> None:
        self.key = key
        zh, en = LABELS.get(key, (key, ""))
        kwargs.setdefault("kind", "neutral")
        kwargs.setdefault("zh_role", "title" if key.isdigit() else "button")
        super().__init__(text_zh=zh, text_en=en, **kwargs)


class NumericKeypad(GridLayout):
    """Three columns of ≥ 15 mm keys: 1–9, then Clear, 0, Delete."""

    target = ObjectProperty(None, allownone=True)
    max_length = NumericProperty(0)  # 0: no limit
    types_into_target = BooleanProperty(True)  # False: only dispatch on_key

    def __init__(self, **kwargs: Any) -> None:
        self.register_event_type("on_key")
        kwargs.setdefault("cols", 3)
        kwargs.setdefault("spacing", theme.mm(3))
        super().__init__(**kwargs)
        self.keys: dict[str, KeypadButton] = {}
        for key in LAYOUT:
            button = KeypadButton(key)
            button.bind(on_release=lambda b: self.press(b.key))
            self.keys[key] = button
            self.add_widget(button)

    def press(self, key: str) -> None:
        """What a tap on ``key`` does: change the target's text, then dispatch on_key."""
        target = self.target
        if self.types_into_target and target is not None:
            text = str(getattr(target, "text", ""))
            if key == CLEAR:
                text = ""
            elif key == ERASE:
                text = text[:-1]
            elif key.isdigit() and (not self.max_length or len(text) < self.max_length):
                text += key
            target.text = text
        self.dispatch("on_key", key)

    def on_key(self, key: str) -> None:
        pass

    def follow_focus(self, fields: Iterable[Widget]) -> None:
        """Type into whichever of ``fields`` (TextInputs) was touched last; the first until then."""
        fields = list(fields)
        if fields and self.target is None:
            self.target = fields[0]
        for field in fields:
            field.fbind("focus", self._focused)

    def _focused(self, field: Widget, focused: bool) -> None:
        if focused:
            self.target = field

"""Kivy widgets of the kiosk and the pad beyond appkit's: a service tile, a guide line, a QR image, the exit corner."""

from __future__ import annotations

import io
import time
from typing import Any

from appkit.boot import ensure_prepared

ensure_prepared()

import qrcode  # noqa: E402
from kivy.core.image import Image as CoreImage  # noqa: E402
from kivy.graphics.texture import Texture  # noqa: E402
from kivy.properties import BooleanProperty, NumericProperty, StringProperty  # noqa: E402
from kivy.uix.boxlayout import BoxLayout  # noqa: E402
from kivy.uix.image import Image  # noqa: E402
from kivy.uix.widget import Widget  # noqa: E402

from appkit.widgets import BigButton  # noqa: E402

LONG_PRESS_S = 3.0


class ServiceTile(BigButton):
    """A BigButton with a third line: how many wait and the estimated wait."""

    detail = StringProperty("")
    code = StringProperty("")


class GuideEntry(BoxLayout):
    """One line of an item's guide (rule in kiosk.kv): the number hangs left, a note sits indented below."""

    number = StringProperty("")
    text = StringProperty("")
    note = StringProperty("")
    bold = BooleanProperty(False)


class ChoiceButton(BigButton):
    """A BigButton that carries the value it stands for (an item code, a score, a reason, a digit)."""

    value = StringProperty("")


def qr_texture(data: str, box_size: int = 8) -> Texture:
    """A crisp QR code texture (black on white, quiet zone included) for a Kivy Image."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=4)
    code.add_data(data)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").get_image().convert("RGB").save(buffer, "PNG")
    buffer.seek(0)
    texture = CoreImage(buffer, ext="png").texture
    texture.mag_filter = "nearest"
    return texture


class QrImage(Image):
    """Shows `data` as a QR code; empty data shows nothing."""

    data = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.opacity = 1 if self.data else 0

    def on_data(self, _instance: QrImage, data: str) -> None:
        self.texture = qr_texture(data) if data else None
        self.opacity = 1 if data else 0


class LongPressCorner(Widget):
    """An invisible corner: holding it for `hold_s` seconds dispatches on_long_press (the manager's way out)."""

    hold_s = NumericProperty(LONG_PRESS_S)

    def __init__(self, **kwargs: Any) -> None:
        self.register_event_type("on_long_press")
        super().__init__(**kwargs)
        self._pressed_at: float | None = None

    def on_touch_down(self, touch: Any) -> bool:
        if self.collide_point(*touch.pos):
            self._pressed_at = time.monotonic()
        return False

    def on_touch_up(self, touch: Any) -> bool:
        pressed_at, self._pressed_at = self._pressed_at, None
        if pressed_at is not None and self.collide_point(*touch.pos) and time.monotonic() - pressed_at >= self.hold_s:
            self.dispatch("on_long_press")
            return True
        return False

    def on_long_press(self) -> None:
        pass

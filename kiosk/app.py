"""Wiring of the Kivy apps: the ticket kiosk (KioskApp) and the rating pad (PadApp).

The presenters decide; these classes turn presenter state into widgets, feed touches and ticks in, run slow
calls on appkit's workers and bring event-stream and printer callbacks back onto the Kivy thread.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from appkit.boot import ensure_prepared

ensure_prepared()

from kivy.app import App  # noqa: E402
from kivy.clock import Clock  # noqa: E402
from kivy.core.image import Image as CoreImage  # noqa: E402
from kivy.core.window import Window  # noqa: E402
from kivy.properties import DictProperty, ObjectProperty, StringProperty  # noqa: E402
from kivy.uix.widget import Widget  # noqa: E402

import appkit.keypad  # noqa: E402, F401  (registers NumericKeypad for the kv files)
import kiosk.widgets  # noqa: E402, F401  (registers ServiceTile, ChoiceButton, QrImage, LongPressCorner)
from appkit import theme  # noqa: E402
from appkit.keypad import CLEAR, ERASE  # noqa: E402
from appkit.runners import Runner  # noqa: E402
from appkit.ui_thread import call_on_ui, coalesced_trigger, on_ui, worker_runner  # noqa: E402
from appkit.widgets import BilingualLabel  # noqa: E402
from client.api import HallApi, Listener  # noqa: E402
from hardware.documents import Document  # noqa: E402
from hardware.printer import OnDone  # noqa: E402
from kiosk.common import Bilingual, ordered  # noqa: E402
from kiosk.guide import GuideLine, english_or_chinese, guide_sections  # noqa: E402
from kiosk.pad import PadPresenter  # noqa: E402
from kiosk.presenters import GREEN_CHANNEL_ON, KioskPresenter, service_detail  # noqa: E402
from kiosk.receipt import PrintSink  # noqa: E402
from kiosk.samples import SAMPLES_HEADING  # noqa: E402
from kiosk.widgets import ChoiceButton, GuideEntry, ServiceTile  # noqa: E402

HERE = Path(__file__).resolve().parent
TICK_S = 0.5
SERVICES_POLL_S = 30.0
ESCAPE = 27
KIOSK_SIZE = (1080, 1920)
PAD_SIZE = (1280, 800)


class UiPrintSink:
    """Passes jobs to a PrintWorker; its answer (from the printer thread) comes back on the Kivy thread."""

    def __init__(self, sink: PrintSink):
        self.sink = sink

    def submit(self, doc: Document, on_done: OnDone | None = None, copies: int = 1) -> None:
        def answer(ok: bool, error: str | None) -> None:
            if on_done is not None:
                call_on_ui(on_done, ok, error)

        self.sink.submit(doc, answer, copies)

    def close(self) -> None:
        close = getattr(self.sink, "close", None)
        if close is not None:
            close()


def green_label(groups: Bilingual) -> Bilingual:
    """The green-channel button: who may use it on a line of its own, broken only between groups (never "孕/妇")."""
    zh_groups = " · ".join(group for group in groups[0].split("·") if group)
    return (f"绿色通道\n{zh_groups}", f"Green channel: {groups[1]}")


class _HallApp(App):
    """What both apps share: a state dict the kv binds to, language order, a listener, a ticking clock."""

    state = DictProperty({}, rebind=True)
    lang = StringProperty("zh")
    presenter = ObjectProperty(None, allownone=True)

    def __init__(self, api: HallApi, *, listen: bool = True, runner: Runner = worker_runner, **kwargs: Any):
        super().__init__(**kwargs)
        self.api, self.listen, self.runner = api, listen, runner
        self.listener: Listener | None = None
        self._signatures: dict[str, Any] = {}

    @staticmethod
    def t(zh: str, en: str, lang: str = "zh") -> Bilingual:
        return ordered((zh, en), lang)

    def open_settings(self, *_args: Any) -> bool:
        return False  # no Kivy settings panel on a public screen

    def _rebuild(self, key: str, signature: Any, build: Callable[[], None]) -> None:
        """Rebuild a dynamic part only when what it shows changed (touches stay on stable widgets)."""
        if self._signatures.get(key) != signature:
            self._signatures[key] = signature
            build()

    def _start_listening(self, on_event: Callable[..., None], on_status: Callable[..., None]) -> None:
        if self.listen:
            self.listener = self.api.listen(on_ui(on_event), on_ui(on_status))

    def on_stop(self) -> None:
        if self.listener is not None:
            self.listener.stop()
            self.listener = None


class KioskApp(_HallApp):
    title = "HallQ 取号机"
    GREEN_ON: Bilingual = ("已选绿色通道，点此取消", "Green channel on: tap to cancel")
    TAKE: Bilingual = ("确认材料，取号", "I have everything: take a ticket")
    TAKE_PRIORITY: Bilingual = ("确认材料，取优先号", "Take a priority ticket")

    def __init__(
        self,
        api: HallApi,
        *,
        public_url: str,
        printer: PrintSink | None = None,
        fullscreen: bool = False,
        listen: bool = True,
        runner: Runner = worker_runner,
        **kwargs: Any,
    ):
        super().__init__(api, listen=listen, runner=runner, **kwargs)
        self.printer = UiPrintSink(printer) if printer is not None else None
        self.fullscreen = fullscreen
        self.presenter = KioskPresenter(
            api,
            public_url=public_url,
            printer=self.printer,
            runner=runner,
            on_change=self.refresh,
            on_exit=self.stop,
        )
        self._refresh_services = coalesced_trigger(self.presenter.refresh_services, 0.5)

    def build(self) -> Widget:
        root = _instantiate("KioskRoot")
        root.ids.exit_keypad.follow_focus([root.ids.exit_staff, root.ids.exit_pin])
        root.ids.header.now = self.presenter.hall_now  # the hall's time zone, as on the tickets
        return root

    def booking_key(self, key: str) -> None:
        """A key of the check-in keypad: the booking code lives in the presenter."""
        if key == CLEAR:
            self.presenter.set_booking_code("")
        elif key == ERASE:
            self.presenter.erase_digit()
        else:
            self.presenter.type_digit(key)

    def on_start(self) -> None:
        if self.fullscreen:
            Window.borderless = True
            Window.fullscreen = "auto"
        Window.bind(on_touch_down=self._on_any_touch, on_keyboard=self._on_keyboard, on_request_close=self._on_close)
        self._tick_event = Clock.schedule_interval(lambda _dt: self.presenter.tick(), TICK_S)
        self._poll_event = Clock.schedule_interval(self._poll_services, SERVICES_POLL_S)
        self.presenter.start()
        self._start_listening(self._on_event, self.presenter.on_connection)
        self.refresh()

    def on_stop(self) -> None:
        super().on_stop()
        Window.unbind(on_touch_down=self._on_any_touch, on_keyboard=self._on_keyboard, on_request_close=self._on_close)
        theme.ui.large_text = False
        if self.printer is not None:
            self.printer.close()

    def _on_any_touch(self, _window: Any, _touch: Any) -> bool:
        self.presenter.touched()
        return False

    def _on_keyboard(self, _window: Any, key: int, *_args: Any) -> bool:
        if key == ESCAPE:
            self.presenter.request_exit()
            return True  # never let Escape close a public kiosk
        return False

    def _on_close(self, *_args: Any, **_kwargs: Any) -> bool:
        return self.fullscreen  # in kiosk mode only the manager PIN closes the app

    def _on_event(self, _event_id: int, name: str, _payload: dict[str, Any]) -> None:
        if name == "hall.configured":
            Clock.schedule_once(lambda _dt: self.presenter.on_configured())
        elif name.startswith(("ticket.", "service.", "day.")):
            self._refresh_services()

    def _poll_services(self, _dt: float) -> None:
        if self.presenter.screen == "home":
            self.presenter.refresh_services()

    # ---- presenter state → widgets ---------------------------------------------------------------

    def refresh(self) -> None:
        p = self.presenter
        if self.root is None:
            return
        self.lang = p.language
        theme.ui.large_text = p.large_text
        self.state = self._state_of(p)
        ids = self.root.ids
        self._rebuild("services", (tuple(tuple(s.items()) for s in p.services), p.language), self._build_services)
        self._rebuild("items", (tuple(i["code"] for i in p.items), p.language), self._build_items)
        self._rebuild("guide", ((p.item or {}).get("code"), p.language, repr(p.item)), self._build_guide)
        viewer = p.viewer
        self._rebuild("sample_image", (id(viewer), viewer.sha, viewer.page, id(viewer.image)), self._show_sample_page)
        self._rebuild("materials", ((p.ticket or {}).get("id"), p.language), self._build_ticket_materials)
        self._show_banner(p)
        self._rebuild("zone", str(p.zone), ids.header.refresh_clock)
        if ids.screens.current != p.screen:
            ids.screens.current = p.screen
        if p.screen != "exit":
            ids.exit_staff.text = ids.exit_pin.text = ""
            ids.exit_keypad.target = ids.exit_staff

    def _state_of(self, p: KioskPresenter) -> dict[str, Any]:
        state: dict[str, Any] = {
            "hall_name": p.hall_name,
            "hall_name_en": p.hall_name_en,
            "screen": p.screen,
            "list_note": "\n".join(p.text(p.list_note)) if p.list_note else "",
            "green_channel": p.green_channel,
            "green_label": self.GREEN_ON if p.green_channel else green_label(p.green_groups),
            "large_text": p.large_text,
            "code_display": " ".join(p.booking_code.ljust(6, "_")),
            "issuing_note": p.offline or ("", ""),
        }
        if p.service:
            state["service_title"] = p.text((p.service["name"], p.service["name_en"]))
        if p.item:
            state["item_title"] = p.text((p.item["name"], p.item.get("name_en", "")))
        if p.viewer.is_open:
            state["sample_title"] = p.text(p.viewer.name)
            state["sample_page"] = p.viewer.page_label(p.language)
            state["sample_error"] = p.viewer.error is not None
            state["sample_can_previous"] = p.viewer.can_previous
            state["sample_can_next"] = p.viewer.can_next
        if p.ticket:
            t = p.ticket
            state["number"] = t["number"]
            state["ticket_service"] = p.text((t.get("service_name", ""), t.get("service_name_en", "")))
            state["priority_label"] = p.document.priority_label if p.document else ""
            ahead = int(t.get("ahead", 0))
            minutes = p.document.wait_minutes if p.document else None
            state["ahead_text"] = p.text(
                (f"前面还有 {ahead} 人，预计等候约 {minutes} 分钟", f"{ahead} ahead of you, about {minutes} min")
                if ahead
                else ("前面没有人等候，请留意叫号", "Nobody is ahead of you; listen for your number")
            )
            state["print_status"] = p.text(p.print_status)
            state["print_failed"] = p.print_state == "failed"
            state["qr"] = p.qr_payload if p.show_qr else ""
        return state

    def _show_banner(self, p: KioskPresenter) -> None:
        banner = self.root.ids.banner
        if p.offline:
            banner.show(*p.text(p.offline), kind="offline")
        elif p.message:
            banner.show(*p.text(p.message), kind="error")
        elif p.green_channel and p.screen in ("home", "items", "guide"):
            banner.show(*p.text(GREEN_CHANNEL_ON), kind="info")
        else:
            banner.hide()

    def _build_services(self) -> None:
        grid = self.root.ids.service_grid
        grid.clear_widgets()
        p = self.presenter
        for s in p.services:
            first, second = p.text((s["name"], s["name_en"]))
            detail = "\n".join(p.text(service_detail(s)))
            tile = ServiceTile(text_zh=first, text_en=second, detail=detail, code=s["code"])
            tile.kind = "primary" if s["open"] else "neutral"
            tile.bind(on_release=lambda t: self.presenter.choose_service(t.code))
            grid.add_widget(tile)

    def _build_items(self) -> None:
        box = self.root.ids.item_list
        box.clear_widgets()
        p = self.presenter
        for item in p.items:
            first, second = p.text((item["name"], item.get("name_en", "")))
            button = ChoiceButton(text_zh=first, text_en=second, kind="neutral", value=item["code"])
            button.bind(on_release=lambda b: self.presenter.choose_item(b.value))
            box.add_widget(button)

    def _build_guide(self) -> None:
        body = self.root.ids.guide_body
        body.clear_widgets()
        item = self.presenter.item
        if not item:
            return
        p = self.presenter
        for index, (heading, lines) in enumerate(guide_sections(item, p.language)):
            body.add_widget(
                BilingualLabel(
                    text_zh=heading[0], text_en=heading[1], zh_role="button", en_role="body_en", halign="left"
                )
            )
            for line in lines:
                body.add_widget(_guide_entry(line))
            if index == 0 and p.sample_buttons:  # the sample forms right under what to bring, without scrolling
                self._add_sample_buttons(body)

    def _add_sample_buttons(self, body: Widget) -> None:
        p = self.presenter
        heading = p.text(SAMPLES_HEADING)
        body.add_widget(
            BilingualLabel(text_zh=heading[0], text_en=heading[1], zh_role="button", en_role="body_en", halign="left")
        )
        for sample in p.sample_buttons:
            button = ChoiceButton(
                text_zh=sample.label[0], text_en=sample.label[1], kind="primary", value=sample.sha, size_hint_y=None
            )
            button.zh_role, button.en_role = "body", "body_en"
            button.bind(minimum_height=lambda b, h: setattr(b, "height", max(h, theme.touch_target_px())))
            button.bind(on_release=lambda b: self.presenter.open_sample(b.value))
            body.add_widget(button)

    def _show_sample_page(self) -> None:
        """The viewer's page as a texture (the bytes are a PNG the server rendered; nothing is decoded twice)."""
        image = self.root.ids.sample_image
        data = self.presenter.viewer.image
        image.texture = CoreImage(io.BytesIO(data), ext="png").texture if data else None

    def _build_ticket_materials(self) -> None:
        box = self.root.ids.ticket_materials
        box.clear_widgets()
        p = self.presenter
        doc, item = p.document, p.item
        if doc is None or not doc.materials:
            return
        if p.language == "en" and item:
            name = english_or_chinese(item.get("name_en"), doc.item_name)
            box.add_widget(_guide_entry(GuideLine(f"Your matter: {name}. Please bring (办理事项：{doc.item_name})")))
            materials = item.get("materials", [])
            for index, m in enumerate(materials, start=1):
                copies = english_or_chinese(m.get("copies_en"), m.get("copies"))
                text = english_or_chinese(m.get("name_en"), m.get("name")) + (f" ({copies})" if copies else "")
                box.add_widget(_guide_entry(GuideLine(text, number=f"{index}.")))
            return
        box.add_widget(_guide_entry(GuideLine(f"办理事项：{doc.item_name}　请备齐以下材料 / Please bring:"), bold=True))
        for index, material in enumerate(doc.materials, start=1):
            copies = f"（{material.copies}）" if material.copies else ""
            box.add_widget(_guide_entry(GuideLine(f"{material.name}{copies}", number=f"{index}.")))


LEVEL_KINDS = {5: "success", 4: "success", 3: "primary", 2: "danger", 1: "danger"}


class PadApp(_HallApp):
    """The rating pad beside window `window`; its kv file is pad.kv (App loads it by the class name)."""

    title = "HallQ 评价器"

    def __init__(
        self,
        api: HallApi,
        *,
        window: int,
        photos_dir: Path | None = None,
        fullscreen: bool = False,
        listen: bool = True,
        runner: Runner = worker_runner,
        **kwargs: Any,
    ):
        super().__init__(api, listen=listen, runner=runner, **kwargs)
        self.fullscreen = fullscreen
        self.presenter = PadPresenter(api, window, runner=runner, photos_dir=photos_dir, on_change=self.refresh)

    def build(self) -> Widget:
        root = _instantiate("PadRoot")
        root.ids.header.now = self.presenter.hall_now  # the hall's time zone
        return root

    def on_start(self) -> None:
        if self.fullscreen:
            Window.borderless = True
            Window.fullscreen = "auto"
        Window.bind(on_touch_down=self._on_any_touch, on_keyboard=self._on_keyboard)
        self._tick_event = Clock.schedule_interval(lambda _dt: self.presenter.tick(), TICK_S)
        self.presenter.start()
        self._start_listening(self.presenter.on_event, self.presenter.on_connection)
        self.refresh()

    def on_stop(self) -> None:
        super().on_stop()
        Window.unbind(on_touch_down=self._on_any_touch, on_keyboard=self._on_keyboard)

    def _on_any_touch(self, _window: Any, _touch: Any) -> bool:
        self.presenter.touched()
        return False

    def _on_keyboard(self, _window: Any, key: int, *_args: Any) -> bool:
        return key == ESCAPE and self.fullscreen  # a citizen cannot close the pad

    def refresh(self) -> None:
        p = self.presenter
        if self.root is None:
            return
        self.state = self._state_of(p)
        self._rebuild("levels", tuple(p.levels), self._build_levels)
        self._rebuild(
            "reasons", (tuple(p.bad_reasons), tuple(p.reasons), tuple(p.reasons_en.items())), self._build_reasons
        )
        self._rebuild("zone", str(p.zone), self.root.ids.header.refresh_clock)
        banner = self.root.ids.banner
        if p.offline:
            banner.show(*p.offline, kind="offline")
        elif p.message and p.screen != "thanks":
            banner.show(*p.message, kind="error")
        else:
            banner.hide()
        if self.root.ids.screens.current != p.screen:
            self.root.ids.screens.current = p.screen

    def _state_of(self, p: PadPresenter) -> dict[str, Any]:
        clerk = p.clerk
        status = p.status_line
        return {
            "window_title": (f"{p.window}号窗口 {p.window_name}", f"Window {p.window}"),
            "photo": str(clerk.photo) if clerk and clerk.photo else "",
            "initial": clerk.name[:1] if clerk and clerk.name else "",
            "clerk_name": clerk.name if clerk else "",
            "staff_line": f"工号 Staff No. {clerk.staff}" if clerk else "",
            "services_text": "、".join(zh for zh, _en in p.service_names)
            + ("\n" + " · ".join(en for _zh, en in p.service_names if en) if p.service_names else ""),
            "items_text": "、".join(p.item_names[:12]) + ("等" if len(p.item_names) > 12 else ""),
            "status_line": "\n".join(status) if status else "",
            "serving": p.serving_line,
            "rating_subject": f"{p.ticket_number}号 · {p.window}号窗口 {clerk.name if clerk else ''}"
            if p.ticket_number
            else "",
            "countdown": f"{p.seconds_left()} 秒内未评价将自动返回，不记录评价\n"
            f"No answer in {p.seconds_left()} s: nothing is recorded",
            "thanks": p.message or ("", ""),
        }

    def _build_levels(self) -> None:
        box = self.root.ids.levels
        box.clear_widgets()
        for level in self.presenter.levels:
            button = ChoiceButton(
                text_zh=level.zh, text_en=level.en, kind=LEVEL_KINDS.get(level.score, "primary"), zh_role="title"
            )
            button.value = str(level.score)
            button.bind(on_release=lambda b: self.presenter.choose(int(b.value)))
            box.add_widget(button)

    def _build_reasons(self) -> None:
        grid = self.root.ids.reasons
        grid.clear_widgets()
        for reason in self.presenter.bad_reasons:
            chosen = reason in self.presenter.reasons
            zh, en = self.presenter.reason_text(reason)
            button = ChoiceButton(text_zh=zh, text_en=en, kind="primary" if chosen else "neutral", value=reason)
            button.zh_role, button.en_role = "body", "body_en"
            button.bind(on_release=lambda b: self.presenter.toggle_reason(b.value))
            grid.add_widget(button)


def _guide_entry(line: GuideLine, bold: bool = False) -> Widget:
    return GuideEntry(text=line.text, note=line.note, number=line.number, bold=bold)


def _instantiate(rule: str) -> Widget:
    from kivy.factory import Factory

    return getattr(Factory, rule)()

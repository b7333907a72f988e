"""The clerk's window app (呼叫器): wiring of presenters to Kivy widgets, dialogs and the keyboard.

Logic lives in the plain-Python modules beside it (signin, window, finish_form, keys, slips); this module
only builds widgets and connects them. The rules the dialogs pre-check are core's (core.rules).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

from appkit.boot import ensure_prepared

ensure_prepared()

from kivy.app import App  # noqa: E402
from kivy.clock import Clock  # noqa: E402
from kivy.core.window import Keyboard, Window  # noqa: E402
from kivy.properties import ColorProperty, StringProperty  # noqa: E402
from kivy.uix.boxlayout import BoxLayout  # noqa: E402
from kivy.uix.gridlayout import GridLayout  # noqa: E402
from kivy.uix.image import Image  # noqa: E402
from kivy.uix.label import Label  # noqa: E402
from kivy.uix.modalview import ModalView  # noqa: E402
from kivy.uix.screenmanager import NoTransition, Screen, ScreenManager  # noqa: E402
from kivy.uix.scrollview import ScrollView  # noqa: E402
from kivy.uix.textinput import TextInput  # noqa: E402

from appkit import theme  # noqa: E402
from appkit.ui_thread import call_on_ui, coalesced_trigger, run_in_worker, worker_runner  # noqa: E402
from appkit.widgets import BigButton  # noqa: E402
from caller.common import Message, error_message  # noqa: E402
from caller.finish_form import FinishPresenter, FinishRequest  # noqa: E402
from caller.keys import KeyMap  # noqa: E402
from caller.ledger import LedgerRow  # noqa: E402
from caller.signin import SignInPresenter  # noqa: E402
from caller.slips import Slip, SlipOutput, preview_png, window_slip  # noqa: E402
from caller.window import CHOOSE_TARGET, NO_SHOW_CONFIRM_S, PAUSE_REASONS, Row, WindowPresenter  # noqa: E402
from client.api import HallApi, Listener, Session  # noqa: E402
from core.calendar import WorkCalendar  # noqa: E402
from core.rules import require_pause_reason, require_transfer_note  # noqa: E402
from core.tickets import DomainError  # noqa: E402

KEY_NAMES = {code: name for name, code in Keyboard.keycodes.items()}
WARNING_TEXT = "#8A4B00"  # dark amber: 7:1 on the background, apart from errors (red) and success (green)
MESSAGE_COLOURS = {"info": theme.TEXT, "success": theme.SUCCESS, "warning": WARNING_TEXT, "error": theme.DANGER}
PROBE_INTERVAL_S = 3.0


def run_job(job: Callable[[], None]) -> None:
    run_in_worker(job)


def message_text(message: Message | None) -> str:
    if message is None:
        return ""
    return f"{message.zh}  {message.en}".strip()


def body_label(text: str, colour: str = theme.TEXT, role: str = "body", **kwargs: Any) -> Label:
    label = Label(
        text=text,
        color=theme.rgba(colour),
        font_size=theme.font_px(role),
        halign="left",
        valign="middle",
        size_hint_y=None,
        height=theme.font_px(role) * 1.5 if text else 0,
        **kwargs,
    )
    label.bind(width=lambda w, width: setattr(w, "text_size", (width, None)))
    label.bind(texture_size=lambda w, size: setattr(w, "height", size[1] + theme.mm(1)))
    return label


# ---------------------------------------------------------------- screens


class CallerScreen(Screen):
    """What both screens show: the hall's name in the header bar and the presenter's message, coloured."""

    hall_name = StringProperty("")
    hall_name_en = StringProperty("")
    message = StringProperty("")
    message_rgba = ColorProperty(theme.rgba(theme.TEXT))

    def show_message(self, message: Message | None) -> None:
        self.message = message_text(message)
        self.message_rgba = theme.rgba(MESSAGE_COLOURS.get(message.kind if message else "info", theme.TEXT))


class SignInScreen(CallerScreen):
    title_zh = StringProperty("")
    title_en = StringProperty("")
    presenter: SignInPresenter | None = None

    def submit(self) -> None:
        if self.presenter is not None:
            self.presenter.submit(self.ids.staff_input.text, self.ids.pin_input.text)

    def redraw(self) -> None:
        presenter = self.presenter
        if presenter is None:
            return
        self.show_message(presenter.message)
        self.ids.sign_in_button.disabled = presenter.busy


class WindowScreen(CallerScreen):
    title = StringProperty("")
    clerk = StringProperty("")
    number = StringProperty("—")
    number_status = StringProperty("")
    waiting = StringProperty("")
    next_numbers = StringProperty("")
    today = StringProperty("")
    slip_message = StringProperty("")
    pause_zh = StringProperty("暂停")
    pause_en = StringProperty("Pause F8")
    no_show_zh = StringProperty("过号")
    no_show_en = StringProperty("No-show F5")
    hint = StringProperty(KeyMap().hint())

    def act(self, action: str) -> None:
        """Replaced by the app with its own `act`."""

    BUTTONS = {
        "call": "call_button",
        "recall": "recall_button",
        "start": "start_button",
        "finish": "finish_button",
        "no-show": "no_show_button",
        "suspend": "suspend_button",
        "transfer": "transfer_button",
        "sign-out": "sign_out_button",
        "reinstate": "reinstate_button",
    }


# ---------------------------------------------------------------- dialogs


class DialogBase(ModalView):
    """A modal form; `on_key(name, text)` gets keys first while it is open (Esc cancels)."""

    def __init__(self, title_zh: str, title_en: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        frame = BoxLayout(orientation="vertical", padding=theme.mm(3), spacing=theme.mm(2))
        with frame.canvas.before:
            from kivy.graphics import Color, Rectangle

            Color(*theme.rgba(theme.BACKGROUND))
            self._bg = Rectangle(pos=frame.pos, size=frame.size)
        frame.bind(pos=lambda w, p: setattr(self._bg, "pos", p), size=lambda w, s: setattr(self._bg, "size", s))
        frame.add_widget(body_label(f"{title_zh}  {title_en}", theme.PRIMARY, "title", bold=True))
        scroll = ScrollView(do_scroll_x=False)
        self.body = BoxLayout(orientation="vertical", spacing=theme.mm(1.5), size_hint_y=None)
        self.body.bind(minimum_height=self.body.setter("height"))
        scroll.add_widget(self.body)
        frame.add_widget(scroll)
        self.error_label = body_label("", theme.DANGER, bold=True)
        frame.add_widget(self.error_label)
        buttons = BoxLayout(size_hint_y=None, height=theme.touch_target_px() * 1.3, spacing=theme.mm(2))
        buttons.add_widget(BigButton(text_zh="取消", text_en="Cancel (Esc)", kind="neutral", on_release=self.cancel))
        self.ok_button = BigButton(text_zh="确定", text_en="OK (Enter)", on_release=lambda *_: self.confirm())
        buttons.add_widget(self.ok_button)
        frame.add_widget(buttons)
        self.add_widget(frame)

    def cancel(self, *_args: Any) -> None:
        self.dismiss()

    def confirm(self) -> None:
        raise NotImplementedError

    def text_focused(self) -> bool:
        return any(isinstance(w, TextInput) and w.focus for w in self.walk(restrict=True))

    def on_key(self, name: str, text: str | None) -> bool:
        if name == "escape":
            self.cancel()
            return True
        if name in ("enter", "numpadenter") and not self.text_focused():
            self.confirm()
            return True
        return False

    def show_error(self, message: Message | None) -> None:
        self.error_label.text = message_text(message)

    def field(self, label: str, text: str = "", hint: str = "", into: BoxLayout | None = None) -> TextInput:
        into = into or self.body
        into.add_widget(body_label(label, theme.TEXT_MUTED, "body_en"))
        field = TextInput(
            text=text,
            hint_text=hint,
            multiline=False,
            write_tab=False,
            font_size=theme.font_px("body"),
            size_hint_y=None,
            height=theme.touch_target_px(),
        )
        field.bind(on_text_validate=lambda *_: self.confirm())
        into.add_widget(field)
        return field


def choice_grid(cols: int) -> GridLayout:
    grid = GridLayout(cols=cols, spacing=theme.mm(1), size_hint_y=None, row_force_default=True)
    grid.row_default_height = theme.touch_target_px() * 1.2
    grid.bind(minimum_height=grid.setter("height"))
    return grid


def growing_grid(cols: int) -> GridLayout:
    """A grid of choices whose rows grow with their text (a long name wraps instead of covering its neighbour).

    Add buttons with `grown(grid, button)`: every button of the grid gets the height the tallest one needs.
    """
    grid = GridLayout(cols=cols, spacing=theme.mm(1), size_hint_y=None)
    grid.bind(minimum_height=grid.setter("height"))
    return grid


def grown(grid: GridLayout, button: BigButton) -> BigButton:
    """Put `button` into a growing_grid: at least the usual height, as tall as the tallest text of the grid."""
    least = theme.touch_target_px() * 1.2

    def even_out(*_args: Any) -> None:
        height = max([least, *(child.minimum_height for child in grid.children)])
        for child in grid.children:
            child.height = height

    button.size_hint_y = None
    button.height = least
    button.bind(minimum_height=even_out)
    grid.add_widget(button)
    even_out()
    return button


class FinishDialog(DialogBase):
    """办结: case type (keys 1–8, one per type of core's table), item (↑/↓), due date + reason, missing materials (keys a, b, c …)."""

    def __init__(self, form: FinishPresenter, on_confirm: Callable[[FinishRequest], None], **kwargs: Any) -> None:
        number = form.ticket.get("number", "")
        super().__init__(f"办结 {number} — 选择办件类型", f"Finish {number}: case type", **kwargs)
        self.form, self.on_confirm = form, on_confirm
        form.on_change = self.redraw
        keys = f"1–{len(form.case_types)}"
        self.body.add_widget(
            body_label(f"办件类型（数字键 {keys}）Case type (keys {keys})", theme.TEXT_MUTED, "body_en")
        )
        self.type_grid = choice_grid(4)
        self.body.add_widget(self.type_grid)
        self.body.add_widget(body_label("办理事项（↑/↓）Item (Up/Down)", theme.TEXT_MUTED, "body_en"))
        self.item_grid = choice_grid(2)
        self.body.add_widget(self.item_grid)
        self.extra = BoxLayout(orientation="vertical", spacing=theme.mm(1.5), size_hint_y=None)
        self.extra.bind(minimum_height=self.extra.setter("height"))
        self.body.add_widget(self.extra)
        self._shown_kind: tuple[str, str | None] | None = None
        self.due_input: TextInput | None = None
        self.reason_input: TextInput | None = None
        self.returned_input: TextInput | None = None
        self.note_input: TextInput | None = None
        self.material_buttons: list[BigButton] = []
        self.redraw()

    def redraw(self) -> None:
        form = self.form
        self.type_grid.clear_widgets()
        for index, kind in enumerate(form.case_types, start=1):
            chosen = kind["code"] == form.case_type
            self.type_grid.add_widget(
                BigButton(
                    text_zh=f"{index} {kind['zh']}",
                    text_en=kind["en"],
                    kind="primary" if chosen else "neutral",
                    zh_role="body",
                    en_role="caption",
                    on_release=lambda _b, code=kind["code"]: form.choose_case_type(code),
                )
            )
        self.item_grid.clear_widgets()
        for item in form.items:
            self.item_grid.add_widget(
                BigButton(
                    text_zh=item["name"],
                    text_en=item.get("name_en", ""),
                    kind="primary" if item["code"] == form.item_code else "neutral",
                    zh_role="body",
                    en_role="caption",
                    on_release=lambda _b, code=item["code"]: form.choose_item(code),
                )
            )
        self._redraw_extra()
        self.show_error(form.message)

    def _redraw_extra(self) -> None:
        form = self.form
        if self._shown_kind != (form.case_type, form.item_code):
            self._collect()
            self._shown_kind = (form.case_type, form.item_code)
            self.extra.clear_widgets()
            self.due_input = self.reason_input = self.returned_input = self.note_input = None
            self.material_buttons = []
            extra = self.extra
            if form.needs_due_date:
                self.due_input = self.field("承诺办结日期 Due date (YYYY-MM-DD)", form.due_text, into=extra)
                self.reason_input = self.field("变更日期的原因 Reason if changed", form.due_reason, into=extra)
            if form.needs_missing:
                self._material_section()
            if form.needs_reason:
                self.returned_input = self.field(
                    "退回理由（打印在告知单上）Reason for returning", form.returned_reason, into=extra
                )
            else:
                self.note_input = self.field("备注 Note", form.note, into=extra)
        if self.due_input is not None and form.due_text and not self.due_input.text:
            self.due_input.text = form.due_text
        for index, button in enumerate(self.material_buttons):
            name = form.materials[index]
            button.kind = "danger" if name in form.missing else "neutral"
            button.text_en = "缺 missing" if name in form.missing else ""

    def _material_section(self) -> None:
        self.extra.add_widget(
            body_label("缺少的材料（字母键勾选）Missing materials (letter keys)", theme.TEXT_MUTED, "body_en")
        )
        grid = choice_grid(2)
        for index, name in enumerate(self.form.materials):
            button = BigButton(
                text_zh=f"{chr(ord('a') + index)}. {name}",
                kind="neutral",
                zh_role="body",
                en_role="caption",
                on_release=lambda _b, i=index: self.form.toggle_material_at(i),
            )
            self.material_buttons.append(button)
            grid.add_widget(button)
        self.extra.add_widget(grid)

    def _collect(self) -> None:
        form = self.form
        if self.due_input is not None:
            form.due_text = self.due_input.text
        if self.reason_input is not None:
            form.due_reason = self.reason_input.text
        if self.returned_input is not None:
            form.returned_reason = self.returned_input.text
        if self.note_input is not None:
            form.note = self.note_input.text

    def on_key(self, name: str, text: str | None) -> bool:
        if super().on_key(name, text):
            return True
        if self.text_focused():
            return False
        if name in ("up", "down"):
            self.form.move_item(-1 if name == "up" else 1)
            return True
        if text and text.isdigit():
            self.form.choose_case_type_at(int(text) - 1)
            return True
        if text and len(text) == 1 and "a" <= text.lower() <= "z" and self.form.needs_missing:
            self.form.toggle_material_at(ord(text.lower()) - ord("a"))
            return True
        return False

    def confirm(self) -> None:
        self._collect()
        problem = self.form.validate()
        if problem is not None:
            self.show_error(problem)
            return
        self.dismiss()
        self.on_confirm(self.form.request())


class TransferDialog(DialogBase):
    """转办: to a service or another window, with a note (首问负责)."""

    def __init__(self, presenter: WindowPresenter, **kwargs: Any) -> None:
        number = presenter.current_number
        super().__init__(f"转办 {number}", f"Transfer {number}", **kwargs)
        self.presenter = presenter
        self.target: tuple[str, Any] | None = None
        services, windows = presenter.transfer_targets()
        self.body.add_widget(body_label("转往服务 To a service", theme.TEXT_MUTED, "body_en"))
        self.buttons: list[tuple[BigButton, tuple[str, Any]]] = []
        grid = growing_grid(4)
        for service in services:
            self._choice(grid, service["name"], service.get("name_en", ""), ("service", service["code"]))
        self.body.add_widget(grid)
        self.body.add_widget(
            body_label("或转往窗口（未开放的窗口不能选）Or to a window (not a closed one)", theme.TEXT_MUTED, "body_en")
        )
        grid = growing_grid(5)
        for window in windows:
            status = window.get("status", "open")
            label = {"closed": "未开放 closed", "paused": "暂停中 paused"}.get(status, window.get("name", ""))
            button = self._choice(grid, f"{window['number']}号", label, ("window", window["number"]))
            button.disabled = status == "closed"
        self.body.add_widget(grid)
        self.window_input = self.field("窗口号（键盘输入）Window number (keyboard)", "", "例如 3")
        self.window_input.input_filter = "int"
        self.note_input = self.field("转办原因（必填）Why (required)", "", "例如：需到社保窗口办理")

    def _choice(self, grid: GridLayout, zh: str, en: str, target: tuple[str, Any]) -> BigButton:
        button = grown(grid, BigButton(text_zh=zh, text_en=en, kind="neutral", zh_role="body", en_role="caption"))
        button.bind(on_release=lambda *_: self.choose(target))
        self.buttons.append((button, target))
        return button

    def choose(self, target: tuple[str, Any]) -> None:
        self.target = target
        self.window_input.text = ""
        for button, value in self.buttons:
            button.kind = "primary" if value == target else "neutral"

    def confirm(self) -> None:
        target = self.target
        if self.window_input.text.strip():
            target = ("window", int(self.window_input.text))
        if target is None:
            self.show_error(CHOOSE_TARGET)
            return
        try:
            require_transfer_note(self.note_input.text)
        except DomainError as exc:
            self.show_error(error_message(exc))
            return
        self.dismiss()
        kind, value = target
        if kind == "service":
            self.presenter.transfer(self.note_input.text, service=value)
        else:
            self.presenter.transfer(self.note_input.text, window=value)


class PauseDialog(DialogBase):
    """暂停服务: a reason (keys 1–3 or typed)."""

    def __init__(self, presenter: WindowPresenter, **kwargs: Any) -> None:
        super().__init__("暂停服务", "Pause the window", **kwargs)
        self.presenter = presenter
        grid = choice_grid(3)
        for index, (zh, en) in enumerate(PAUSE_REASONS, start=1):
            button = BigButton(text_zh=f"{index} {zh}", text_en=en, kind="neutral", zh_role="body", en_role="caption")
            button.bind(on_release=lambda _b, reason=zh: self.pause(reason))
            grid.add_widget(button)
        self.body.add_widget(grid)
        self.reason_input = self.field("其他原因 Other reason", "")

    def pause(self, reason: str) -> None:
        self.dismiss()
        self.presenter.pause(reason)

    def on_key(self, name: str, text: str | None) -> bool:
        if super().on_key(name, text):
            return True
        if not self.text_focused() and text and text.isdigit() and 1 <= int(text) <= len(PAUSE_REASONS):
            self.pause(PAUSE_REASONS[int(text) - 1][0])
            return True
        return False

    def confirm(self) -> None:
        try:
            require_pause_reason(self.reason_input.text)
        except DomainError as exc:
            self.show_error(error_message(exc))
            return
        self.pause(self.reason_input.text)


class LedgerDialog(DialogBase):
    """台账 (F9): the clerk's cases — case number, item, due date as the citizen was told, working days left.

    Keys 1–9 complete an open case (结果已交付); every case with a slip can be previewed and reprinted.
    """

    def __init__(
        self,
        presenter: WindowPresenter,
        on_preview: Callable[[LedgerRow], None],
        on_reprint: Callable[[LedgerRow], None],
        **kwargs: Any,
    ) -> None:
        super().__init__("办件台账", "Case ledger (F9)", **kwargs)
        self.presenter, self.on_preview, self.on_reprint = presenter, on_preview, on_reprint
        self.rows: list[LedgerRow] = []
        self.loading = True
        self.body.add_widget(body_label("正在读取… Loading…", theme.TEXT_MUTED))
        self.ok_button.text_zh, self.ok_button.text_en = "关闭", "Close (Enter)"
        presenter.load_ledger(self.show_rows, self.show_error)

    def show_rows(self, rows: list[LedgerRow]) -> None:
        self.loading = False
        self.rows = rows
        body = self.body
        body.clear_widgets()
        if not rows:
            body.add_widget(body_label("没有未办结的件，今天也没有出过告知单。 No open cases, no slips today."))
        body.add_widget(
            body_label(
                "数字键 1–9 办结（结果已交付）；预览、补打告知单。Keys 1–9: complete; preview or reprint a slip.",
                theme.TEXT_MUTED,
                "body_en",
            )
        )
        for index, row in enumerate(rows, start=1):
            body.add_widget(self._line(index, row))

    def _line(self, index: int, row: LedgerRow) -> BoxLayout:
        line = BoxLayout(size_hint_y=None, spacing=theme.mm(1))
        key = f"{index}. " if index <= 9 and row.is_open else ""
        colour = theme.DANGER if row.overdue else theme.TEXT if row.is_open else theme.TEXT_MUTED
        label = body_label(f"{key}{row.text}", colour, bold=row.overdue)
        line.add_widget(label)
        buttons: list[BigButton] = []
        if row.is_open:
            done = BigButton(text_zh="办结", text_en="Done", kind="neutral", zh_role="body", en_role="caption")
            done.bind(on_release=lambda _b, case=row.case_id: self.complete(case))
            buttons.append(done)
        if row.slip:
            look = BigButton(text_zh="预览", text_en="Preview", kind="neutral", zh_role="body", en_role="caption")
            look.bind(on_release=lambda _b, r=row: self.on_preview(r))
            again = BigButton(text_zh="补打", text_en="Reprint", kind="neutral", zh_role="body", en_role="caption")
            again.bind(on_release=lambda _b, r=row: self.on_reprint(r))
            buttons += [look, again]
        for button in buttons:
            button.size_hint_x = None
            button.width = theme.mm(22)
            line.add_widget(button)
        least = theme.touch_target_px()
        line.height = least
        label.bind(height=lambda _w, h, box=line: setattr(box, "height", max(h, least)))
        return line

    def complete(self, case_id: str) -> None:
        self.dismiss()
        self.presenter.complete_case(case_id)

    def on_key(self, name: str, text: str | None) -> bool:
        if super().on_key(name, text):
            return True
        open_rows = [r for r in self.rows if r.is_open][:9]
        if text and text.isdigit() and 1 <= int(text) <= len(open_rows):
            self.complete(open_rows[int(text) - 1].case_id)
            return True
        return False

    def confirm(self) -> None:
        self.dismiss()


class SlipPreviewDialog(DialogBase):
    """A slip as it prints, with 补打 (reprint) beside it."""

    def __init__(self, slip: Slip, png: bytes, on_reprint: Callable[[], None], **kwargs: Any) -> None:
        number = getattr(slip.document, "case_number", "") or slip.name
        super().__init__(f"告知单预览 {number}", f"Slip preview {number}", **kwargs)
        self.on_reprint = on_reprint
        from kivy.core.image import Image as CoreImage

        texture = CoreImage(io.BytesIO(png), ext="png").texture
        copies = f"（一式{slip.copies}份）" if slip.copies > 1 else ""
        self.body.add_widget(body_label(f"打印效果 As printed{copies}", theme.TEXT_MUTED, "body_en"))
        image = Image(texture=texture, size_hint_y=None, fit_mode="contain")
        image.height = texture.height
        self.image = image
        self.body.add_widget(image)
        self.ok_button.text_zh, self.ok_button.text_en = "补打", "Reprint (Enter)"

    def confirm(self) -> None:
        self.dismiss()
        self.on_reprint()


class ReinstateDialog(DialogBase):
    """恢复过号 (F10, the service desk): a missed number of this window's services goes back into its queue."""

    def __init__(self, presenter: WindowPresenter, **kwargs: Any) -> None:
        super().__init__("恢复过号（服务台）", "Reinstate a missed number (service desk)", **kwargs)
        self.presenter = presenter
        self.tickets = presenter.missed_here()
        names = {s["code"]: s["name"] for s in presenter.hall.get("services", [])}
        if self.tickets:
            self.body.add_widget(
                body_label("今天的过号（数字键 1–9）Missed today (keys 1–9)", theme.TEXT_MUTED, "body_en")
            )
        else:
            self.body.add_widget(
                body_label(
                    "本呼叫器开机后，本窗口业务没有过号。 No missed numbers of this window's services since it started.",
                    theme.TEXT_MUTED,
                    "body_en",
                )
            )
        grid = growing_grid(3)
        for index, ticket in enumerate(self.tickets[:9], start=1):
            button = grown(
                grid,
                BigButton(
                    text_zh=f"{index}. {ticket.get('number', '')}",
                    text_en=names.get(ticket.get("service", ""), ticket.get("service", "")),
                    kind="neutral",
                    zh_role="body",
                    en_role="caption",
                ),
            )
            button.bind(on_release=lambda _b, t=ticket["id"]: self.reinstate(t))
        self.body.add_widget(grid)
        self.number_input = self.field("或输入号码 Or type the number", "", "例如 A003")

    def reinstate(self, ticket_id: str) -> None:
        self.dismiss()
        self.presenter.reinstate(ticket_id)

    def on_key(self, name: str, text: str | None) -> bool:
        if super().on_key(name, text):
            return True
        if not self.text_focused() and text and text.isdigit() and 1 <= int(text) <= min(9, len(self.tickets)):
            self.reinstate(self.tickets[int(text) - 1]["id"])
            return True
        return False

    def confirm(self) -> None:
        number = self.number_input.text.strip()
        if not number:
            self.show_error(Message("请选择或输入过号的号码。", "Choose or type the missed number.", "error"))
            return
        ticket = self.presenter.find_missed(number)
        if ticket is None:
            self.show_error(
                Message(
                    f"本呼叫器没有记录 {number.upper()} 过号（只列出开机后本窗口业务的过号）。",
                    f"No missed {number.upper()} known here (only this window's services, since it started).",
                    "error",
                )
            )
            return
        self.reinstate(ticket["id"])


# ---------------------------------------------------------------- the app


class CallerApp(App):
    """`CallerApp(api, window, slips)`: sign-in screen, then the window screen."""

    def __init__(
        self,
        api: HallApi,
        window: int,
        slips: SlipOutput,
        listen: bool = True,
        today: Callable[[], dt.date] | None = None,
        calendar: WorkCalendar | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.title = f"HallQ 呼叫器 — {window}号窗口"
        self.api, self.window_number, self.slips, self.listen = api, window, slips, listen
        self.today = today or dt.date.today
        self.calendar = calendar
        self.keymap = KeyMap()
        self.sign_in = SignInPresenter(api, window, worker_runner, on_signed_in=self.signed_in)
        self.presenter: WindowPresenter | None = None
        self.listener: Listener | None = None
        self.dialog: DialogBase | None = None
        self._probe_event: Any = None
        self._hall_name = ("", "")

    # -- building
    def build(self) -> ScreenManager:
        manager = ScreenManager(transition=NoTransition())
        self.sign_in_screen = SignInScreen(name="sign-in")
        self.sign_in_screen.title_zh = f"{self.window_number}号窗口 签到"
        self.sign_in_screen.title_en = f"Sign in at window {self.window_number}"
        self.sign_in_screen.presenter = self.sign_in
        self.sign_in.on_change = self.sign_in_screen.redraw
        self.window_screen = WindowScreen(name="window")
        self.window_screen.act = self.act  # type: ignore[method-assign]
        manager.add_widget(self.sign_in_screen)
        manager.add_widget(self.window_screen)
        return manager

    def on_start(self) -> None:
        Window.clearcolor = theme.rgba(theme.BACKGROUND)
        Window.bind(on_keyboard=self.on_keyboard)
        self.sign_in_screen.ids.staff_input.focus = True
        run_in_worker(self.api.hall_state, on_done=self._hall_loaded, on_error=lambda _e: None)

    def on_stop(self) -> None:
        Window.unbind(on_keyboard=self.on_keyboard)
        self._stop_window()

    def _hall_loaded(self, hall: dict[str, Any]) -> None:
        self._hall_name = (hall.get("name", ""), hall.get("name_en", ""))
        for screen in (self.sign_in_screen, self.window_screen):
            screen.hall_name, screen.hall_name_en = self._hall_name

    # -- signing in and out
    def signed_in(self, session: Session) -> None:
        presenter = WindowPresenter(
            self.api, self.window_number, session, worker_runner, today=self.today, calendar=self.calendar
        )
        presenter.refresh_soon = coalesced_trigger(presenter.refresh, 0.2)
        presenter.on_change = self.redraw
        presenter.on_finished = self.finished
        presenter.on_signed_out = self.signed_out
        self.presenter = presenter
        self.sign_in_screen.ids.pin_input.text = ""
        self.root.current = "window"
        presenter.start()
        if self.listen:
            self.listener = self.api.listen(
                lambda event_id, name, payload: call_on_ui(presenter.on_event, event_id, name, payload),
                lambda connected, message: call_on_ui(presenter.on_status, connected, message),
            )
        self._probe_event = Clock.schedule_interval(lambda _dt: presenter.probe(), PROBE_INTERVAL_S)
        self.redraw()

    def signed_out(self, message: Message | None) -> None:
        self._stop_window()
        self.sign_in.message = message
        self.sign_in_screen.redraw()
        self.root.current = "sign-in"
        self.sign_in_screen.ids.staff_input.focus = True

    def _stop_window(self) -> None:
        if self.presenter is not None:
            self.presenter.stop()
        if self.listener is not None:
            self.listener.stop()
            self.listener = None
        if self._probe_event is not None:
            self._probe_event.cancel()
            self._probe_event = None
        if self.dialog is not None:
            self.dialog.dismiss()
            self.dialog = None
        self.presenter = None

    # -- drawing
    def redraw(self) -> None:
        presenter = self.presenter
        if presenter is None:
            return
        view = presenter.view()
        screen = self.window_screen
        screen.title, screen.clerk = view.title, view.clerk
        screen.number, screen.number_status = view.number, view.number_status
        if view.paused:
            screen.number_status = f"暂停服务 Paused：{view.pause_reason}"
        screen.waiting, screen.next_numbers, screen.today = view.waiting, view.next_numbers, view.today
        screen.show_message(view.message)
        screen.pause_zh, screen.pause_en = ("恢复服务", "Resume F8") if view.paused else ("暂停", "Pause F8")
        screen.no_show_zh, screen.no_show_en = (
            ("再按确认过号", "Press again F5") if view.no_show_armed else ("过号", "No-show F5")
        )
        for action, widget_id in WindowScreen.BUTTONS.items():
            screen.ids[widget_id].disabled = not view.enabled[action]
        screen.ids.pause_button.disabled = not (view.enabled["pause"] or view.enabled["resume"])
        banner = screen.ids.banner
        if view.online:
            banner.hide()
        else:
            banner.show()
        self._fill(screen.ids.suspended_panel, view.suspended, "取回", "Take back", presenter.resume_ticket)
        self._fill(screen.ids.cases_panel, view.cases, "办结", "Done", presenter.complete_case)
        self._fill(screen.ids.referred_panel, view.referred, "", "", None)

    @staticmethod
    def _fill(panel: BoxLayout, rows: list[Row], zh: str, en: str, act: Callable[[str], None] | None) -> None:
        for child in list(panel.children)[:-1]:  # keep the section title (added first, so last in children)
            panel.remove_widget(child)
        if not rows:
            panel.add_widget(body_label("（无 none）", theme.TEXT_MUTED, "body_en"))
        for row in rows:
            line = BoxLayout(size_hint_y=None, spacing=theme.mm(1))
            label = body_label(row.text, theme.DANGER if row.alert else theme.TEXT, bold=row.alert)
            line.add_widget(label)
            if act is not None:
                button = BigButton(text_zh=zh, text_en=en, kind="neutral", zh_role="body", en_role="caption")
                button.size_hint_x = None
                button.width = theme.mm(24)
                button.bind(on_release=lambda _b, key=row.key: act(key))
                line.add_widget(button)
            line.height = max(theme.touch_target_px(), 0) if act is not None else theme.mm(9)
            label.bind(
                height=lambda _w, h, box=line, button_row=act is not None: setattr(
                    box, "height", max(h, theme.touch_target_px() if button_row else 0)
                )
            )
            panel.add_widget(line)

    # -- actions
    def act(self, action: str) -> None:
        presenter = self.presenter
        if presenter is None or self.dialog is not None:
            return
        simple: dict[str, Callable[[], None]] = {
            "call": presenter.call_next,
            "recall": presenter.recall,
            "start": presenter.start_service,
            "no-show": presenter.no_show,
            "suspend": presenter.suspend,
            "sign-out": presenter.sign_out,
        }
        if action in simple:
            simple[action]()
            if action == "no-show" and presenter.no_show_armed:  # the button's words go back when the time is up
                Clock.schedule_once(lambda _dt: self.redraw(), NO_SHOW_CONFIRM_S + 0.1)
        elif action == "pause":
            if presenter.window_status == "paused":
                presenter.resume()
            elif presenter.enabled()["pause"]:
                self.open_dialog(PauseDialog(presenter))
        elif action == "finish" and presenter.enabled()["finish"]:
            self.open_dialog(FinishDialog(presenter.finish_form(), presenter.finish))
        elif action == "transfer" and presenter.enabled()["transfer"]:
            self.open_dialog(TransferDialog(presenter))
        elif action == "cases":
            self.open_dialog(LedgerDialog(presenter, self.preview_slip, self.reprint_slip))
        elif action == "reinstate" and presenter.enabled()["reinstate"]:
            self.open_dialog(ReinstateDialog(presenter))

    def open_dialog(self, dialog: DialogBase) -> None:
        self.dialog = dialog
        dialog.bind(on_dismiss=lambda *_: setattr(self, "dialog", None))
        dialog.open()

    def finished(self, request: FinishRequest, case: dict[str, Any], ticket: dict[str, Any]) -> None:
        presenter = self.presenter
        if presenter is None or not case:
            return
        slip = window_slip(presenter, case, self.today())
        if slip is None:
            self.window_screen.slip_message = ""
            return
        self.window_screen.slip_message = "正在出告知单… Preparing the slip…"
        self.slips.deliver(
            slip,
            lambda message: call_on_ui(self._slip_done, message),
            run_job,
        )

    def _slip_done(self, message: Message) -> None:
        self.window_screen.slip_message = message_text(message)

    def _ledger_slip(self, row: LedgerRow) -> Slip | None:
        presenter = self.presenter
        case = presenter.ledger_cases.get(row.case_id) if presenter is not None else None
        if presenter is None or case is None:
            return None
        return window_slip(presenter, case, self.today())

    def preview_slip(self, row: LedgerRow) -> None:
        """The ledger's 预览: render the slip off the UI thread, then show it with 补打 beside it."""
        slip = self._ledger_slip(row)
        if slip is None:
            return
        if self.dialog is not None:
            self.dialog.dismiss()
        self.window_screen.slip_message = "正在生成预览… Rendering the preview…"
        run_in_worker(
            lambda: preview_png(slip),
            on_done=lambda png: self._show_preview(slip, png),
            on_error=lambda exc: self._slip_done(error_message(exc)),
        )

    def _show_preview(self, slip: Slip, png: bytes) -> None:
        self.window_screen.slip_message = ""
        if self.presenter is not None and self.dialog is None:
            self.open_dialog(SlipPreviewDialog(slip, png, lambda: self._deliver(slip)))

    def reprint_slip(self, row: LedgerRow) -> None:
        slip = self._ledger_slip(row)
        if slip is not None:
            if self.dialog is not None:
                self.dialog.dismiss()
            self._deliver(slip)

    def _deliver(self, slip: Slip) -> None:
        self.window_screen.slip_message = "正在补打告知单… Reprinting the slip…"
        self.slips.deliver(slip, lambda message: call_on_ui(self._slip_done, message), run_job)

    # -- keyboard
    def on_keyboard(self, _window: Any, key: int, _scancode: int, text: str | None, _modifiers: list[str]) -> bool:
        name = KEY_NAMES.get(key, text or "")
        if self.dialog is not None:
            return self.dialog.on_key(name, text)
        if self.root is None or self.root.current != "window":
            return False
        action = self.keymap.action(name)
        if action is None:
            return False
        self.act(action)
        return True

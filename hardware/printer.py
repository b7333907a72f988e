"""The ticket/slip printer: ESC/POS bytes for a document, and the transport that sends them.

- `encode(doc, options)` is pure: a document in, the bytes for the printer out. Two modes:
  `image` (the receipt as a raster image; any printer) and `gb18030` (text commands, Chinese wrapped in
  FS & … FS . and encoded GB18030; printers with a Chinese font). The QR code uses the printer's own QR
  command (GS ( k) unless `native_qr` is off.
- `ReceiptPrinter` opens the printer per job, checks the paper where the printer can tell, sends the bytes,
  and turns every failure into one `PrinterError` with a plain sentence.
- `make_printer("usb:0x0416:0x5011")` builds one from a spec string; `FakePrinter` records instead.
- `PrintWorker` does the printing on its own thread; `submit()` never blocks the caller.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from escpos.constants import QR_ECLEVEL_M, RT_STATUS_PAPER
from escpos.escpos import Escpos
from escpos.exceptions import DeviceNotFoundError
from escpos.exceptions import Error as EscposError
from escpos.printer import Dummy, File, Network, Serial, Usb
from PIL import Image

from hardware.documents import NO_BREAK, Block, Document, Gap, Line, QrCode, Rule, layout
from hardware.receipts import paper_dots, qr_module_dots, render_segments, wrap

log = logging.getLogger(__name__)

PrintMode = Literal["image", "gb18030"]
PRINT_MODES: tuple[str, ...] = ("image", "gb18030")

ESC, GS, FS = b"\x1b", b"\x1d", b"\x1c"
INITIALIZE = ESC + b"@"
CHINESE_ON = FS + b"&"
CHINESE_OFF = FS + b"."
ALIGN = {"left": ESC + b"a\x00", "center": ESC + b"a\x01"}
BOLD = {True: ESC + b"E\x01", False: ESC + b"E\x00"}
REVERSE = {True: GS + b"B\x01", False: GS + b"B\x00"}
RASTER_IMAGE = GS + b"v0"
RASTER_ROWS_PER_COMMAND = 256  # small chunks suit printers with small input buffers
FEED_AND_CUT = ESC + b"d\x05" + GS + b"V\x01"  # feed 5 lines, partial cut
_INVERT = bytes(255 - b for b in range(256))
_CHARACTER_COLUMNS = {384: 32, 576: 48}  # font A, 12 × 24 dots
_HUGE_TEXT_MAX_SCALE = 6


@dataclass(frozen=True)
class PrintOptions:
    """How this kiosk's printer prints: paper width, mode, QR command, cutter."""

    paper_mm: int = 58
    mode: PrintMode = "image"
    native_qr: bool = True
    cut: bool = True

    def __post_init__(self) -> None:
        paper_dots(self.paper_mm)  # raises on a paper width other than 58/80
        if self.mode not in PRINT_MODES:
            raise ValueError(
                f"打印模式只能是 image 或 gb18030，实际为 {self.mode!r} / Print mode must be image or gb18030, got {self.mode!r}"
            )

    @property
    def dots(self) -> int:
        return paper_dots(self.paper_mm)

    @property
    def columns(self) -> int:
        return _CHARACTER_COLUMNS[self.dots]


# ---------------------------------------------------------------- encoding (pure)


def encode(doc: Document, options: PrintOptions | None = None) -> bytes:
    """The ESC/POS bytes that print `doc`."""
    options = options or PrintOptions()
    blocks = layout(doc)
    body = _encode_image_mode(blocks, options) if options.mode == "image" else _encode_text_mode(blocks, options)
    return INITIALIZE + body + (FEED_AND_CUT if options.cut else b"\n" * 5)


def _encode_image_mode(blocks: list[Block], options: PrintOptions) -> bytes:
    out = []
    for segment in render_segments(blocks, options.dots, native_qr=options.native_qr):
        if isinstance(segment, QrCode):
            out.append(_native_qr(segment.data, options.dots))
        else:
            out.append(raster_image(segment))
    return b"".join(out)


def raster_image(image: Image.Image) -> bytes:
    """GS v 0 commands for a 1-bit image (printed black where the image is black)."""
    image = image.convert("1")
    width_bytes = (image.width + 7) // 8
    if image.width % 8:  # pad with white: cropping past the edge would pad with black
        padded = Image.new("1", (width_bytes * 8, image.height), 1)
        padded.paste(image, (0, 0))
        image = padded
    out = []
    for top in range(0, image.height, RASTER_ROWS_PER_COMMAND):
        rows = image.crop((0, top, width_bytes * 8, min(top + RASTER_ROWS_PER_COMMAND, image.height)))
        header = RASTER_IMAGE + b"\x00" + width_bytes.to_bytes(2, "little") + rows.height.to_bytes(2, "little")
        out.append(header + rows.tobytes().translate(_INVERT))  # Pillow: 1 = white; printer: 1 = black
    return b"".join(out)


def _native_qr(data: str, dots: int) -> bytes:
    """The printer's own QR command (GS ( k), centred; the payload travels as plain UTF-8 bytes."""
    recorder = Dummy()
    recorder.qr(data, ec=QR_ECLEVEL_M, size=qr_module_dots(data, dots), native=True)
    return ALIGN["center"] + recorder.output + b"\n" + ALIGN["left"]


def _text_columns(text: str) -> int:
    """Columns the printer's font takes: double-byte GB characters are 2 wide."""
    return sum(1 if char == NO_BREAK else min(len(char.encode("gb18030")), 2) for char in text)


def _encode_text_mode(blocks: list[Block], options: PrintOptions) -> bytes:
    out = []
    for block in blocks:
        match block:
            case Line():
                out.append(_text_line(block, options.columns))
            case Rule():
                out.append(_chinese_text("-" * options.columns) + b"\n")
            case Gap():
                out.append(b"\n")
            case QrCode() if options.native_qr:
                out.append(_native_qr(block.data, options.dots))
            case QrCode():
                qr_only = render_segments([block], options.dots, native_qr=False)
                out.append(b"".join(raster_image(s) for s in qr_only if isinstance(s, Image.Image)))
    return b"".join(out)


def _text_scale(line: Line, columns: int) -> int:
    if line.size == "large":
        return 2
    if line.size == "huge":
        return max(1, min(_HUGE_TEXT_MAX_SCALE, columns // max(1, _text_columns(line.text))))
    return 1  # small prints at normal size: font B lacks Chinese on most printers


def _chinese_text(text: str) -> bytes:
    return CHINESE_ON + text.encode("gb18030") + CHINESE_OFF


def _text_line(line: Line, columns: int) -> bytes:
    scale = _text_scale(line, columns)
    room = columns // scale - line.margin
    rows = wrap(line.text, room, _text_columns, line.indent)
    pad = " " * line.margin
    text = b"".join(
        _chinese_text(pad + (" " * line.indent if index else "") + row) + b"\n" for index, row in enumerate(rows)
    )
    size = GS + b"!" + bytes([(scale - 1) << 4 | (scale - 1)])
    style = ALIGN[line.align] + size + BOLD[line.bold] + REVERSE[line.inverse]
    reset = REVERSE[False] + BOLD[False] + GS + b"!\x00" + ALIGN["left"]
    return style + text + reset


# ---------------------------------------------------------------- errors

PrinterFault = Literal["no_paper", "not_connected", "timeout", "unsupported", "failed"]
_SENTENCES: dict[str, str] = {
    "no_paper": "打印机缺纸 / The printer is out of paper",
    "not_connected": "打印机未连接 / The printer is not connected",
    "timeout": "打印机无响应 / The printer did not respond",
    "unsupported": "本机缺少 USB 打印支持（需安装 pyusb）/ USB printing support is missing (install pyusb)",
    "failed": "打印失败 / Printing failed",
}


class PrinterError(Exception):
    """The one error a print job raises; str() is a plain sentence for the screen, `detail` is for the log."""

    def __init__(self, fault: PrinterFault, detail: str = ""):
        self.fault = fault
        self.detail = detail
        super().__init__(_SENTENCES[fault])


def as_printer_error(exc: BaseException) -> PrinterError:
    """Name what went wrong, whatever layer raised it (escpos, socket, pyserial, pyusb)."""
    if isinstance(exc, PrinterError):
        return exc
    kind = type(exc).__name__
    detail = f"{kind}: {exc}"
    if isinstance(exc, TimeoutError) or kind in ("USBTimeoutError", "SerialTimeoutException"):
        return PrinterError("timeout", detail)
    if isinstance(exc, DeviceNotFoundError | OSError | AssertionError) or kind in ("USBError", "SerialException"):
        return PrinterError("not_connected", detail)  # escpos asserts a device exists before each write
    if isinstance(exc, RuntimeError) and "usb" in str(exc).lower():
        return PrinterError("unsupported", detail)
    return PrinterError("failed", detail)


# ---------------------------------------------------------------- paper sensor

PaperState = Literal["ok", "low", "out", "unknown"]
_PAPER_END_BITS = 0x60  # DLE EOT 4 reply: bits 5–6 paper end, bits 2–3 near end
_PAPER_NEAR_END_BITS = 0x0C


def paper_state_from_status(status: bytes) -> PaperState:
    if not status:
        return "unknown"
    if status[0] & _PAPER_END_BITS:
        return "out"
    if status[0] & _PAPER_NEAR_END_BITS:
        return "low"
    return "ok"


def _read_status(device: Escpos, timeout_s: float) -> bytes:
    """Read the printer's reply within `timeout_s`; escpos's own reads may wait far longer."""
    match device:
        case Network():
            sock = device.device
            sock.settimeout(timeout_s)
            try:
                return bytes(sock.recv(16))
            finally:
                sock.settimeout(device.timeout)
        case Serial():
            port = device.device
            port.timeout = timeout_s
            try:
                return bytes(port.read(16))
            finally:
                port.timeout = device.timeout
        case Usb():
            return bytes(device.device.read(device.in_ep, 16, int(timeout_s * 1000)))
    return bytes(device._read())


def read_paper_state(device: Escpos, timeout_s: float = 0.3) -> PaperState:
    """Ask the paper sensor (DLE EOT 4). A printer that cannot answer reports "unknown"."""
    device._raw(RT_STATUS_PAPER)
    try:
        return paper_state_from_status(_read_status(device, timeout_s))
    except (NotImplementedError, TimeoutError):
        return "unknown"
    except Exception as exc:  # pyusb's timeout has no common base with TimeoutError
        if type(exc).__name__ == "USBTimeoutError":
            return "unknown"
        raise


# ---------------------------------------------------------------- the printer


class ReceiptPrinter:
    """Prints documents on one ESC/POS printer; `connect()` makes a fresh escpos printer for each job."""

    def __init__(
        self,
        connect: Callable[[], Escpos],
        options: PrintOptions | None = None,
        *,
        check_paper: bool = True,
        status_timeout_s: float = 0.3,
        name: str = "",
    ):
        self.connect = connect
        self.options = options or PrintOptions()
        self.check_paper = check_paper
        self.status_timeout_s = status_timeout_s
        self.name = name
        self.paper_low = False  # the last job saw the near-end sensor: show a hint to staff
        self._sensor_silent = False  # the printer never answered a status query: stop asking
        self._lock = threading.Lock()

    def print(self, doc: Document, copies: int = 1) -> None:
        """Print `copies` of `doc`, or raise PrinterError."""
        data = encode(doc, self.options) * copies
        with self._lock:
            self.send(data)

    def send(self, data: bytes) -> Escpos:
        """Open, check the paper, write, close. Returns the escpos printer used (a fake keeps its bytes)."""
        device: Escpos | None = None
        try:
            device = self.connect()
            device.open()
            self._check_paper(device)
            device._raw(data)
            return device
        except Exception as exc:
            error = as_printer_error(exc)
            log.warning("printer %s: %s (%s)", self.name, error, error.detail)
            raise error from exc
        finally:
            if device is not None:
                with contextlib.suppress(Exception):
                    device.close()

    def _check_paper(self, device: Escpos) -> None:
        if not self.check_paper or self._sensor_silent:
            return
        state = read_paper_state(device, self.status_timeout_s)
        self._sensor_silent = state == "unknown"
        if state == "out":
            raise PrinterError("no_paper", "paper sensor: paper end")
        self.paper_low = state == "low"


# ---------------------------------------------------------------- spec strings

WRITE_TIMEOUT_S = 10  # a long slip on a slow printer takes a few seconds to drain
SPEC_FORMS = "usb:VID:PID[:IN_EP:OUT_EP] · serial:PORT[:BAUD] · net:HOST[:PORT] · file:PATH · dummy · none"


class PrinterSpecError(ValueError):
    def __init__(self, spec: str, why_zh: str, why_en: str):
        super().__init__(
            f"打印机设置 {spec!r} 有误：{why_zh} / Bad printer setting {spec!r}: {why_en}. 可用格式 Forms: {SPEC_FORMS}"
        )


@dataclass(frozen=True)
class PrinterSpec:
    kind: Literal["usb", "serial", "net", "file", "dummy", "none"]
    vendor_id: int = 0
    product_id: int = 0
    in_ep: int = 0x82
    out_ep: int = 0x01
    path: str = ""  # serial port or device file
    baudrate: int = 9600
    host: str = ""
    port: int = 9100


def _number(spec: str, text: str, what: str) -> int:
    try:
        return int(text, 0)
    except ValueError:
        raise PrinterSpecError(
            spec, f"{what} 应为数字，实际为 {text!r}", f"{what} must be a number, got {text!r}"
        ) from None


def parse_spec(spec: str) -> PrinterSpec:
    """Read `usb:0x0416:0x5011`, `serial:/dev/ttyUSB0:9600`, `net:192.168.1.50:9100`, `file:/dev/usb/lp0`, `dummy`, `none`."""
    kind, _, rest = spec.strip().partition(":")
    kind = kind.lower()
    if kind in ("dummy", "none"):
        if rest:
            raise PrinterSpecError(spec, f"{kind} 后面不应有参数", f"{kind} takes no arguments")
        return PrinterSpec(kind)  # type: ignore[arg-type]
    if not rest:
        raise PrinterSpecError(spec, "缺少类型或地址", "the kind or the address is missing")
    if kind == "file":
        return PrinterSpec("file", path=rest)
    parts = rest.split(":")
    if kind == "usb":
        if len(parts) not in (2, 4):
            raise PrinterSpecError(spec, "USB 需要厂商号和产品号", "USB needs a vendor and a product id")
        numbers = [_number(spec, part, "USB id") for part in parts]
        endpoints = numbers[2:] or [0x82, 0x01]
        return PrinterSpec("usb", vendor_id=numbers[0], product_id=numbers[1], in_ep=endpoints[0], out_ep=endpoints[1])
    if kind == "serial":
        if len(parts) > 2:
            raise PrinterSpecError(spec, "串口格式为 serial:端口:波特率", "the form is serial:PORT:BAUD")
        baudrate = _number(spec, parts[-1], "波特率/baud rate") if len(parts) == 2 else 9600
        return PrinterSpec("serial", path=parts[0], baudrate=baudrate)
    if kind == "net":
        if len(parts) > 2 or not parts[0]:
            raise PrinterSpecError(spec, "网络格式为 net:主机:端口", "the form is net:HOST:PORT")
        port = _number(spec, parts[1], "端口/port") if len(parts) == 2 else 9100
        if not 0 < port < 65536:
            raise PrinterSpecError(spec, f"端口 {port} 超出范围", f"port {port} is out of range")
        return PrinterSpec("net", host=parts[0], port=port)
    raise PrinterSpecError(spec, f"未知的打印机类型 {kind!r}", f"unknown printer kind {kind!r}")


class _SerialPrinter(Serial):
    """escpos's Serial with a write timeout, so a stalled port fails instead of hanging the worker."""

    def open(self, raise_not_found: bool = True) -> None:
        super().open(raise_not_found)
        if self._device:
            self._device.write_timeout = WRITE_TIMEOUT_S


def connector(spec: PrinterSpec) -> Callable[[], Escpos]:
    """A function that makes a new (not yet opened) escpos printer for the spec."""
    match spec.kind:
        case "usb":
            timeout_ms = int(WRITE_TIMEOUT_S * 1000)
            return lambda: Usb(
                spec.vendor_id, spec.product_id, timeout=timeout_ms, in_ep=spec.in_ep, out_ep=spec.out_ep
            )
        case "serial":
            return lambda: _SerialPrinter(spec.path, baudrate=spec.baudrate, timeout=1)
        case "net":
            return lambda: Network(spec.host, spec.port, timeout=WRITE_TIMEOUT_S)
        case "file":
            return lambda: File(spec.path)
        case "dummy":
            return Dummy
    raise ValueError(f"没有打印机可连接：{spec.kind} / There is no printer to connect to: {spec.kind}")


def make_printer(spec: str | PrinterSpec, options: PrintOptions | None = None) -> ReceiptPrinter | None:
    """The printer a spec names; None for `none` (the kiosk then shows tickets on screen only)."""
    parsed = parse_spec(spec) if isinstance(spec, str) else spec
    if parsed.kind == "none":
        return None
    return ReceiptPrinter(connector(parsed), options, name=str(spec))


# ---------------------------------------------------------------- fake


FakeFault = Literal["no_paper", "not_connected", "timeout", "failed"]


class FakeDevice(Dummy):
    """An escpos printer that keeps the bytes and plays the paper sensor and the cable."""

    def __init__(self, fault: FakeFault | None = None, paper: PaperState = "ok"):
        super().__init__()
        self.fault = fault
        self.paper: PaperState = "out" if fault == "no_paper" else paper

    def open(self, raise_not_found: bool = True) -> None:
        if self.fault == "not_connected":
            raise DeviceNotFoundError("fake printer: unplugged")

    def _raw(self, msg: bytes) -> None:
        if self.fault == "timeout":
            raise TimeoutError("fake printer: timed out")
        if self.fault == "failed":
            raise EscposError("fake printer: failed")
        super()._raw(msg)

    def _read(self) -> bytes:
        replies = {"ok": b"\x12", "low": b"\x1e", "out": b"\x72", "unknown": b""}
        return replies[self.paper]


class FakePrinter(ReceiptPrinter):
    """A ReceiptPrinter on a FakeDevice; records what it printed. Set `fault` to make the next jobs fail."""

    def __init__(self, options: PrintOptions | None = None, fault: FakeFault | None = None, paper: PaperState = "ok"):
        super().__init__(self._new_device, options, name="fake")
        self.fault: FakeFault | None = fault
        self.paper: PaperState = paper
        self.documents: list[Document] = []
        self.jobs: list[bytes] = []  # the bytes of each job, paper-status query stripped

    def _new_device(self) -> FakeDevice:
        return FakeDevice(self.fault, self.paper)

    def print(self, doc: Document, copies: int = 1) -> None:
        data = encode(doc, self.options) * copies
        with self._lock:
            self._sensor_silent = False  # the fake's sensor may be switched back on between jobs
            device = self.send(data)
            self.documents.append(doc)
            self.jobs.append(device.output.removeprefix(RT_STATUS_PAPER))


# ---------------------------------------------------------------- worker thread

OnDone = Callable[[bool, str | None], None]


@dataclass(frozen=True)
class _Job:
    doc: Document
    on_done: OnDone | None
    copies: int


class PrintWorker:
    """Prints on its own thread. `on_done(ok, error_sentence)` is called from that thread."""

    def __init__(self, printer: ReceiptPrinter):
        self.printer = printer
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="hallq-printer", daemon=True)
        self._thread.start()

    def submit(self, doc: Document, on_done: OnDone | None = None, copies: int = 1) -> None:
        """Queue a job and return at once."""
        if self._closed:
            raise RuntimeError("打印队列已关闭 / The print queue is closed")
        self._jobs.put(_Job(doc, on_done, copies))

    def close(self, timeout_s: float = 10.0) -> None:
        """Finish the queued jobs, then stop the thread."""
        if not self._closed:
            self._closed = True
            self._jobs.put(None)
        self._thread.join(timeout_s)

    def __enter__(self) -> PrintWorker:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            ok, error = self._print(job)
            if job.on_done is not None:
                try:
                    job.on_done(ok, error)
                except Exception:
                    log.exception("print callback failed")

    def _print(self, job: _Job) -> tuple[bool, str | None]:
        try:
            self.printer.print(job.doc, job.copies)
        except PrinterError as exc:
            return False, str(exc)
        except Exception:
            log.exception("print job failed")
            return False, _SENTENCES["failed"]
        return True, None

"""Spec strings, the paper sensor, failures as PrinterError, real sockets and files, and the fake."""

import socket
import threading
from pathlib import Path

import pytest
from escpos.exceptions import DeviceNotFoundError
from escpos.exceptions import Error as EscposError
from escpos.printer import Dummy

from hardware.documents import sample_ticket
from hardware.printer import (
    FakePrinter,
    PrinterError,
    PrinterSpec,
    PrinterSpecError,
    PrintOptions,
    ReceiptPrinter,
    as_printer_error,
    encode,
    make_printer,
    paper_state_from_status,
    parse_spec,
)

PAPER_QUERY = b"\x10\x04\x04"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("usb:0x0416:0x5011", PrinterSpec("usb", vendor_id=0x0416, product_id=0x5011)),
        ("USB:1046:20497:0x81:0x03", PrinterSpec("usb", vendor_id=1046, product_id=20497, in_ep=0x81, out_ep=0x03)),
        ("serial:/dev/ttyUSB0:115200", PrinterSpec("serial", path="/dev/ttyUSB0", baudrate=115200)),
        ("serial:COM3", PrinterSpec("serial", path="COM3", baudrate=9600)),
        ("net:192.168.1.50:9100", PrinterSpec("net", host="192.168.1.50", port=9100)),
        ("net:printer.local", PrinterSpec("net", host="printer.local", port=9100)),
        ("file:/dev/usb/lp0", PrinterSpec("file", path="/dev/usb/lp0")),
        (" dummy ", PrinterSpec("dummy")),
        ("none", PrinterSpec("none")),
    ],
)
def test_parse_spec_reads_every_form(spec: str, expected: PrinterSpec) -> None:
    assert parse_spec(spec) == expected


@pytest.mark.parametrize(
    ("spec", "why"),
    [
        ("", "缺少类型或地址"),
        ("lpt1", "缺少类型或地址"),
        ("usb:0x0416", "厂商号和产品号"),
        ("usb:0x0416:abc", "应为数字"),
        ("serial:/dev/ttyUSB0:fast", "应为数字"),
        ("net:10.0.0.1:99999", "超出范围"),
        ("net::9100", "net:主机:端口"),
        ("dummy:1", "不应有参数"),
        ("bluetooth:00:11", "未知的打印机类型"),
    ],
)
def test_bad_spec_is_refused_with_a_sentence_naming_the_forms(spec: str, why: str) -> None:
    with pytest.raises(PrinterSpecError, match=why) as caught:
        parse_spec(spec)
    assert "usb:VID:PID" in str(caught.value) and "Bad printer setting" in str(caught.value)


def test_none_spec_means_no_printer() -> None:
    assert make_printer("none") is None


def test_dummy_spec_prints_without_a_device() -> None:
    printer = make_printer("dummy", PrintOptions(mode="gb18030"))
    assert printer is not None
    printer.print(sample_ticket())  # Dummy cannot report paper: treated as fine


@pytest.mark.parametrize(
    ("status", "state"),
    [(b"\x12", "ok"), (b"\x1e", "low"), (b"\x72", "out"), (b"\x60", "out"), (b"", "unknown")],
)
def test_paper_sensor_reply_is_read(status: bytes, state: str) -> None:
    assert paper_state_from_status(status) == state


@pytest.mark.parametrize(
    ("error", "sentence"),
    [
        (DeviceNotFoundError("no usb"), "打印机未连接 / The printer is not connected"),
        (ConnectionRefusedError(111, "refused"), "打印机未连接 / The printer is not connected"),
        (BrokenPipeError(32, "pipe"), "打印机未连接 / The printer is not connected"),
        (TimeoutError("timed out"), "打印机无响应 / The printer did not respond"),
        (RuntimeError("Printing with USB connection requires a usb library"), "USB"),
        (EscposError("odd"), "打印失败 / Printing failed"),
    ],
)
def test_each_failure_becomes_one_plain_sentence(error: Exception, sentence: str) -> None:
    converted = as_printer_error(error)
    assert isinstance(converted, PrinterError) and sentence in str(converted)
    assert type(error).__name__ in converted.detail


@pytest.mark.parametrize(
    ("fault", "sentence"),
    [
        ("no_paper", "打印机缺纸 / The printer is out of paper"),
        ("not_connected", "打印机未连接 / The printer is not connected"),
        ("timeout", "打印机无响应 / The printer did not respond"),
        ("failed", "打印失败 / Printing failed"),
    ],
)
def test_fake_printer_faults_raise_printer_error_and_record_nothing(fault: str, sentence: str) -> None:
    printer = FakePrinter(fault=fault)  # type: ignore[arg-type]
    with pytest.raises(PrinterError) as caught:
        printer.print(sample_ticket())
    assert str(caught.value) == sentence and caught.value.fault == fault
    assert printer.documents == [] and printer.jobs == []


def test_fake_printer_records_documents_and_bytes() -> None:
    options = PrintOptions(mode="gb18030")
    printer = FakePrinter(options)
    printer.print(sample_ticket(), copies=2)
    assert printer.documents == [sample_ticket()]
    assert printer.jobs == [encode(sample_ticket(), options) * 2]


def test_fake_printer_recovers_when_paper_is_loaded() -> None:
    printer = FakePrinter(fault="no_paper")
    with pytest.raises(PrinterError):
        printer.print(sample_ticket())
    printer.fault = None
    printer.print(sample_ticket())
    assert len(printer.documents) == 1


def test_low_paper_still_prints_and_raises_the_hint() -> None:
    printer = FakePrinter(paper="low")
    printer.print(sample_ticket())
    assert printer.paper_low and len(printer.jobs) == 1


def test_printer_that_cannot_report_paper_is_not_asked_again() -> None:
    devices: list[Dummy] = []

    def connect() -> Dummy:
        devices.append(Dummy())
        return devices[-1]

    printer = ReceiptPrinter(connect)
    printer.print(sample_ticket())
    printer.print(sample_ticket())
    assert devices[0].output.startswith(PAPER_QUERY) and not devices[1].output.startswith(PAPER_QUERY)


def test_unplugged_network_printer_is_not_connected() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    printer = make_printer(f"net:127.0.0.1:{port}")
    assert printer is not None
    with pytest.raises(PrinterError, match="The printer is not connected"):
        printer.print(sample_ticket())


class FakeNetworkPrinter:
    """A TCP server that answers the paper query with `status` and keeps what it receives."""

    def __init__(self, status: bytes):
        self.status = status
        self.received = b""
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        connection, _ = self.server.accept()
        with connection:
            while chunk := connection.recv(65536):
                if self.received == b"" and chunk.startswith(PAPER_QUERY):
                    connection.sendall(self.status)
                self.received += chunk
        self.server.close()


def test_network_printer_receives_the_job_after_the_paper_check() -> None:
    device = FakeNetworkPrinter(status=b"\x12")
    printer = make_printer(f"net:127.0.0.1:{device.port}")
    assert printer is not None
    printer.print(sample_ticket())
    device.thread.join(5)
    assert device.received == PAPER_QUERY + encode(sample_ticket(), printer.options)


def test_network_printer_out_of_paper_gets_no_job() -> None:
    device = FakeNetworkPrinter(status=b"\x72")
    printer = make_printer(f"net:127.0.0.1:{device.port}")
    assert printer is not None
    with pytest.raises(PrinterError, match="out of paper"):
        printer.print(sample_ticket())
    device.thread.join(5)
    assert device.received == PAPER_QUERY


def test_file_printer_writes_the_job(tmp_path: Path) -> None:
    target = tmp_path / "lp0"
    printer = make_printer(f"file:{target}", PrintOptions(mode="gb18030"))
    assert printer is not None
    printer.print(sample_ticket())
    assert target.read_bytes().endswith(encode(sample_ticket(), printer.options))


def test_missing_device_file_is_not_connected(tmp_path: Path) -> None:
    printer = make_printer(f"file:{tmp_path / 'gone' / 'lp0'}")
    assert printer is not None
    with pytest.raises(PrinterError, match="打印机未连接"):
        printer.print(sample_ticket())

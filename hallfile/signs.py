"""LED window signs: a window's ``sign`` table in the hall file, and a display PC's own signs file::

[[sign]]
window = 3
port = "/dev/ttyUSB0"      # or "COM3", "socket://10.0.0.7:4001", "loop://"
protocol = "bx"            # "bx" (Onbon/仰邦 BX) or "text"
address = 3                # default 1
baudrate = 57600           # default 57600
width = 64                 # BX sign size in pixels, optional
height = 16
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError

from core.config import SIGN_PROTOCOLS, SignConfig
from hallfile.fields import PositiveInt, Table, at_least_one, not_blank, one_of
from hallfile.problems import ConfigError, problems_of, read_toml


class SignTable(Table):
    port: Annotated[str, not_blank('须填写串口，如 "/dev/ttyUSB0"', 'a port is required, e.g. "/dev/ttyUSB0"')] = Field(
        "", validate_default=True
    )
    protocol: Annotated[str, one_of(SIGN_PROTOCOLS)] = "bx"
    address: PositiveInt = 1
    baudrate: PositiveInt = 57600
    width: PositiveInt | None = None  # pixels of a BX sign; None: the display's default (64 × 16)
    height: PositiveInt | None = None

    def to_config(self) -> SignConfig:
        return SignConfig(self.port.strip(), self.protocol, self.address, self.baudrate, self.width, self.height)


class SignRow(SignTable):
    window: PositiveInt


class SignsFile(Table):
    sign: Annotated[
        list[SignRow], at_least_one("至少需要一个 [[sign]] 表", "at least one [[sign]] table is required")
    ] = Field(default_factory=list, validate_default=True)


def load_signs(source: str | Path | Mapping[str, Any]) -> list[tuple[int, SignConfig]]:
    """(window, sign) of each ``[[sign]]`` of a signs file (path) or the parsed file.

    Raises ConfigError naming every problem, each line starting with the file's name.
    """
    if isinstance(source, Mapping):
        data, label = dict(source), "signs"
    else:
        path = Path(source)
        data, label = read_toml(path, "找不到显示屏配置文件", "signs file not found"), str(path)
    shared = _shared_places(data)
    try:
        signs = SignsFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError([f"{label}: {p}" for p in [*problems_of(exc, SignsFile), *shared]]) from None
    if shared:
        raise ConfigError([f"{label}: {p}" for p in shared])
    return [(row.window, row.to_config()) for row in signs.sign]


def _shared_places(data: Mapping[str, Any]) -> list[str]:
    """Two signs for one window, or two signs at one address of a port (read from the raw rows)."""
    rows = data.get("sign")
    windows: Counter[int] = Counter()
    places: Counter[tuple[str, Any, int]] = Counter()
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, dict):
            continue
        window, port, address = row.get("window"), row.get("port"), row.get("address", 1)
        if isinstance(window, int) and not isinstance(window, bool):
            windows[window] += 1
        if isinstance(port, str) and isinstance(address, int) and not isinstance(address, bool):
            places[(port.strip(), row.get("protocol", "bx"), address)] += 1
    problems = [f"窗口 {w} 有两块显示屏 / window {w} has two signs" for w, n in windows.items() if n > 1]
    problems += [
        f"端口 {port} 上地址 {address} 重复 / two signs share address {address} on port {port}"
        for (port, _, address), n in places.items()
        if n > 1
    ]
    return problems

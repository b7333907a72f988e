"""A real hall server process for end-to-end tests: `hallq serve` on a free port, killed at the end."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from assets import DEMO_HALL


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """`with LiveServer(tmp_path) as server: server.url` — the demo hall unless `config` is given."""

    def __init__(
        self,
        data_dir: Path,
        config: Path = DEMO_HALL,
        port: int | None = None,
        max_subscribers: int = 600,
        env: dict[str, str] | None = None,
        threads: int = 32,
    ):
        self.data_dir, self.config = Path(data_dir), Path(config)
        self.extra_env = env or {}
        self.port = port or free_port()
        self.max_subscribers = max_subscribers
        self.threads = threads
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = self.data_dir / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> LiveServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "HALLQ_PIN_ITERATIONS": os.environ.get("HALLQ_PIN_ITERATIONS", "1000"), **self.extra_env}
        cmd = [sys.executable, "-m", "server.cli", "serve", "--config", str(self.config), "--data", str(self.data_dir)]
        cmd += [
            "--port",
            str(self.port),
            "--max-subscribers",
            str(self.max_subscribers),
            "--threads",
            str(self.threads),
        ]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=Path(__file__).parent.parent
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text(errors='replace')[-2000:]}")
            try:
                if requests.get(f"{self.url}/api/v1/health", timeout=0.5).ok:
                    return self
            except requests.RequestException:
                time.sleep(0.05)
        self.kill()  # never leave a half-started server behind
        raise RuntimeError(f"server did not start: {self.log.read_text(errors='replace')[-2000:]}")

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, as in a crash."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

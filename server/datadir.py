"""The hall's data directory: created private (0700), checked before use, and locked so one server uses it."""

from __future__ import annotations

import fcntl
import os
import sqlite3
from pathlib import Path
from typing import IO


class DataDirError(Exception):
    """The data directory cannot be used; the message says what is wrong and what to do (Chinese / English)."""


class DataDir:
    """Holds the directory's lock until closed (or the process ends: the OS drops it, even after kill -9)."""

    def __init__(self, path: Path):
        self.path = path
        self.database = path / "hall.db"
        self._lock: IO[str] | None = None

    def open(self) -> DataDir:
        try:
            self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise DataDirError(
                f"无法创建数据目录 {self.path}：{exc.strerror}。请检查路径和权限。"
                f" / Cannot create the data directory {self.path}: {exc.strerror}. Check the path and its permissions."
            ) from exc
        if not os.access(self.path, os.W_OK | os.X_OK):
            raise DataDirError(
                f"数据目录 {self.path} 不可写。请让运行服务器的用户可以写入，或换一个目录（--data）。"
                f" / The data directory {self.path} is not writable. Give the server's user write access or choose"
                " another directory (--data)."
            )
        lock = open(self.path / "hallq.lock", "a+")  # noqa: SIM115 - held for the server's lifetime
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            raise DataDirError(
                f"另一个 HallQ 服务器正在使用数据目录 {self.path}。同一目录只能运行一个服务器。"
                f" / Another HallQ server is using the data directory {self.path}; only one server may use it."
            ) from None
        lock.seek(0)
        lock.truncate()
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        self._lock = lock
        self._check_database()
        return self

    def _check_database(self) -> None:
        if not self.database.exists():
            return
        if not os.access(self.database, os.R_OK | os.W_OK):
            raise DataDirError(
                f"数据库文件 {self.database} 不可读写。请检查文件权限。"
                f" / The database {self.database} cannot be read and written; check its permissions."
            )
        try:  # reading its header and schema finds a file that is not (or no longer) a database, in milliseconds
            conn = sqlite3.connect(self.database)
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
                result = "ok"
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            result = str(exc)
        if result != "ok":
            self.close()
            raise DataDirError(
                f"数据库文件 {self.database} 已损坏（{result}）。请停止使用它，从备份恢复，或换一个空目录重新开始。"
                f" / The database {self.database} is damaged ({result}). Restore it from a backup, or start in an"
                " empty directory."
            )

    def secure(self) -> None:
        """The database and its journal files are readable by the server's user only."""
        for name in ("hall.db", "hall.db-wal", "hall.db-shm"):
            file = self.path / name
            if file.exists():
                file.chmod(0o600)

    def close(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

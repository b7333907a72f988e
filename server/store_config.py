"""The SQL of the hall's configuration versions (issue 11; table: server/migrations.py m401_config_versions).

Writes go through the hall store's writer inside a transaction (`HallService.writing()`, or
`SqliteStore.transaction()` at start); reads borrow a pooled reader."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from server.store import SqliteStore

log = logging.getLogger("hallq.config")

_LIST = "version, at, staff, source, note, restored_from, length(toml) AS size"


class ConfigVersionStore:
    def __init__(self, store: SqliteStore):
        self.store = store

    def add_version(self, row: dict[str, Any]) -> int:
        """Store a new version (its number: one more than the newest); the caller holds the transaction."""
        writer = self.store._writer
        number = int(writer.execute("SELECT COALESCE(MAX(version), 0) + 1 FROM config_versions").fetchone()[0])
        writer.execute(
            "INSERT INTO config_versions (version, at, staff, source, note, restored_from, toml)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                number,
                row["at"],
                row["staff"],
                row.get("source", ""),
                row.get("note", ""),
                row.get("restored_from"),
                row["toml"],
            ),
        )
        return number

    def version(self, number: int) -> dict[str, Any] | None:
        rows = self.store._rows("SELECT * FROM config_versions WHERE version = ?", (number,))
        return dict(rows[0]) if rows else None

    def latest_version(self) -> dict[str, Any] | None:
        rows = self.store._rows("SELECT * FROM config_versions ORDER BY version DESC LIMIT 1")
        return dict(rows[0]) if rows else None

    def versions(self, limit: int = 200) -> list[dict[str, Any]]:
        """The newest first, without their text."""
        sql = f"SELECT {_LIST} FROM config_versions ORDER BY version DESC LIMIT ?"
        return [dict(r) for r in self.store._rows(sql, (limit,))]


def configuration_at_start(source: Any, store: SqliteStore, now: str) -> Any:
    """The hall's configuration when the server starts: the newest stored version; with none stored, the hall
    file given (a path) is stored as version 1, word for word but without staff PINs, and used. A HallConfig
    loaded from a file counts as that file; one built in memory (tests, embedded use) is used as it is and
    nothing is stored (the console can then import a file)."""
    from application.config_versions import config_of, without_pins
    from core.config import HallConfig
    from hallfile import load_hall

    versions = ConfigVersionStore(store)
    loaded: HallConfig | None = source if isinstance(source, HallConfig) else None
    if loaded is not None and loaded.source and Path(loaded.source).is_file():
        source = loaded.source  # loaded from its file (`hallq serve` checks it first): that file is the seed
    latest = versions.latest_version()
    if latest is not None:
        if isinstance(source, (str, Path)) and Path(source).is_file():
            text = without_pins(Path(source).read_text(encoding="utf-8"))  # versions hold no PINs
            first = versions.version(1)
            if text != latest["toml"] and (first is None or text != first["toml"]):
                log.warning(
                    "%s differs from the stored configuration (version %s), which is used; import the file in the"
                    " console (配置 → 导入) to apply it",
                    source,
                    latest["version"],
                )
        return config_of(latest["toml"])
    if isinstance(source, HallConfig):
        return source
    if isinstance(source, (str, Path)):
        config = loaded or load_hall(source)  # ConfigError names every problem
        with store.transaction():
            versions.add_version(
                {
                    "at": now,
                    "staff": "",
                    "source": "file",
                    "note": f"首次启动时的配置文件 / the hall file at the first start: {Path(source).name}",
                    # word for word, less the staff PINs (hashed into the staff table by the service)
                    "toml": without_pins(Path(source).read_text(encoding="utf-8")),
                }
            )
        return config
    return load_hall(source)

"""What the area stores (feedback, oversight, people) share over the hall's SqliteStore: writes through its one
writer connection (inside `HallService.writing()`), a row inserted or updated by its columns' names, lists and
mappings kept as JSON text, and the `?` placeholders of an IN list."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterable
from typing import Any

from server.store import SqliteStore


def column_value(value: Any) -> Any:
    """A value as its column keeps it: lists, tuples and mappings as JSON text (dates within as ISO text)."""
    return json.dumps(value, ensure_ascii=False, default=str) if isinstance(value, list | tuple | dict) else value


def in_list(values: Collection[Any]) -> str:
    """The placeholders of `x IN (...)` for these values; NULL for none (an IN list that matches nothing)."""
    return ", ".join("?" for _ in values) or "NULL"


class AreaStore:
    """One area's SQL over the hall's SqliteStore; its writes run on the store's writer connection."""

    def __init__(self, store: SqliteStore):
        self.store = store

    def _write(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Cursor:
        return self.store._writer.execute(sql, tuple(params))

    def _insert(self, table: str, row: dict[str, Any]) -> int:
        """Insert `row` (column → value) into `table`; the new row's id."""
        cols = list(row)
        cur = self._write(
            f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({in_list(cols)})", [column_value(row[c]) for c in cols]
        )
        return int(cur.lastrowid or 0)

    def _update(self, table: str, key: str, value: Any, fields: dict[str, Any]) -> None:
        """Set `fields` on the row of `table` whose `key` is `value` (nothing when there are no fields)."""
        if not fields:
            return
        sets = ", ".join(f"{c} = ?" for c in fields)
        self._write(f"UPDATE {table} SET {sets} WHERE {key} = ?", [*(column_value(v) for v in fields.values()), value])

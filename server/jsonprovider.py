"""Flask's JSON answers through orjson: the same bytes as Flask's own provider (UTF-8, keys in order, compact),
several times faster to encode; every answer of the API goes through it. Request bodies are still read by
Flask's own (small, and its errors are the ones the API explains)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import uuid
from typing import Any

import orjson
from flask import Flask, Response
from flask.json.provider import DefaultJSONProvider
from werkzeug.http import http_date

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def _default(o: Any) -> Any:
    """What Flask's provider does for what JSON lacks (dates as HTTP dates, as Flask writes them)."""
    if isinstance(o, dt.date):
        return http_date(o)
    if isinstance(o, decimal.Decimal | uuid.UUID):
        return str(o)
    if dataclasses.is_dataclass(o) and not isinstance(o, type):
        return dataclasses.asdict(o)
    if hasattr(o, "__html__"):
        return str(o.__html__())
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


class OrjsonProvider(DefaultJSONProvider):
    ensure_ascii = False
    sort_keys = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if kwargs.get("indent") or kwargs.get("sort_keys"):
            return super().dumps(obj, **kwargs)
        return orjson.dumps(obj, default=_default, option=_OPTIONS).decode()

    def response(self, *args: Any, **kwargs: Any) -> Response:
        if (self.compact is None and self._app.debug) or self.compact is False:  # indented, as Flask does
            return super().response(*args, **kwargs)
        obj = self._prepare_response_obj(args, kwargs)
        data = orjson.dumps(obj, default=_default, option=_OPTIONS | orjson.OPT_APPEND_NEWLINE)
        return self._app.response_class(data, mimetype=self.mimetype)


def install(app: Flask) -> None:
    app.json = OrjsonProvider(app)

"""Sample forms' files (填写样表, issue 11), read-only and public (they are blank forms): a sample's pages as PNG
images for the kiosk, and the file as uploaded. Only the samples the hall's items name now are served; a
sample's address is the SHA-256 of its content (nothing else reaches the disk), so an address never changes what
it shows: caches keep it an hour and then ask again with its ETag (a removed sample is gone from them within the
hour)."""

from __future__ import annotations

from pathlib import Path

from flask import Response, jsonify, send_file

from core import samples as rules
from core.config import SampleFile
from core.tickets import DomainError
from server.api import blueprint, hall, route
from server.samples import sample_store

bp = blueprint("samples")

CACHE = "public, max-age=3600"  # content-addressed: the same address never shows other bytes


def _offered(sha: str) -> SampleFile:
    """A sample the hall offers now, its pages kept here; 404 with a sentence otherwise."""
    sample = rules.find_offered(hall().config, sha) if rules.is_sha(sha) else None
    if sample is None or sample_store().page_count(sha) == 0:
        raise DomainError("unknown_sample", rules.NO_SUCH_SAMPLE, 404)
    return sample


def _served(path: Path, mimetype: str, sha: str, name: str) -> Response:
    response = send_file(path, mimetype=mimetype, download_name=name, conditional=True, etag=sha, max_age=None)
    response.headers["Cache-Control"] = CACHE
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"  # opened alone: no script runs
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@route(bp, "/samples/<sha>/pages", "GET", "A sample form's name and how many pages it has (each: …/pages/<n>)")
def pages(sha: str) -> Response:
    sample = _offered(sha)
    response = jsonify(rules.pages_answer(sample, sample_store().page_count(sha)))
    response.headers["Cache-Control"] = "no-cache"  # a removed sample stops being offered at once
    return response


@route(bp, "/samples/<sha>/pages/<int:page>", "GET", "One page of a sample form as a PNG image (pages from 1)")
def page(sha: str, page: int) -> Response:
    _offered(sha)
    path = sample_store().page(sha, page)
    if path is None:
        raise DomainError("unknown_page", rules.NO_SUCH_PAGE, 404)
    return _served(path, "image/png", f"{sha}-{page}", f"sample-{page}.png")


@route(bp, "/samples/<sha>/file", "GET", "A sample form's file: a PDF as uploaded; an image as its cleaned page")
def original(sha: str) -> Response:
    """A PDF as uploaded; an image as the page the kiosk shows (its EXIF — camera, place — never leaves the server)."""
    parts = rules.split_file(_offered(sha).file)
    kind = parts[1] if parts else ""
    if kind != "pdf":
        return page(sha=sha, page=1)
    path = sample_store().original(sha)
    if path is None or path.name != rules.file_name(sha, kind):
        raise DomainError("unknown_sample", rules.NO_SUCH_SAMPLE, 404)
    return _served(path, rules.CONTENT_TYPES[kind], sha, f"sample.{kind}")

"""waitress's connection, without the main loop spinning while a request's thread writes its answer.

With `send_bytes=1` the thread that ran a request sends its answer itself, holding the connection's output lock.
Meanwhile waitress's main loop sees bytes waiting (`writable()`), polls, wakes at once (the socket is writable),
cannot take the lock, and polls again: ten and more empty turns of the loop a request, each taking the interpreter
lock from the thread that is sending (measured: 15 loop turns a ticket, a quarter of the server's CPU, and most of
call-next's tail). Here the loop leaves a connection alone while a request's thread is writing to it; if that
thread leaves bytes unsent (the client reads slowly), it wakes the loop, which sends them when the socket allows.
"""

from __future__ import annotations

from typing import Any

from waitress.channel import HTTPChannel


class QuietChannel(HTTPChannel):  # type: ignore[misc]
    task_writing = False

    def write_soon(self, data: Any) -> int:
        self.task_writing = True
        try:
            written: int = super().write_soon(data)
        finally:
            self.task_writing = False
        if self.total_outbufs_len:  # what the writer could not send: the loop's now (it skipped us meanwhile)
            self.server.pull_trigger()
        return written

    def writable(self) -> bool:
        if self.task_writing and self.total_outbufs_len <= self.adj.outbuf_high_watermark:
            return False  # (past the high-water mark the writer waits for the loop to send: let it)
        return bool(super().writable())


def create_server(app: Any, **options: Any) -> Any:
    """`waitress.create_server`, with `QuietChannel` for every connection."""
    import waitress
    from waitress.server import BaseWSGIServer

    server = waitress.create_server(app, **options)
    listeners = [server] if isinstance(server, BaseWSGIServer) else list(server.map.values())
    for listener in listeners:
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = QuietChannel
    return server


def serve(app: Any, **options: Any) -> None:
    """`waitress.serve` with `QuietChannel`."""
    server = create_server(app, **options)
    server.print_listen("Serving on http://{}:{}")
    server.run()

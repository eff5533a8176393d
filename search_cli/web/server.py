"""A small threaded WSGI server (stdlib wsgiref) for the search page, optionally pre-forked."""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

logger = logging.getLogger(__name__)
access_logger = logging.getLogger("search_cli.web.access")


class QuietRequestHandler(WSGIRequestHandler):
    """Request handler that logs through `logging` (access lines at DEBUG) instead of stderr."""

    server_version = "govarchive"

    def log_message(self, format: str, *args: Any) -> None:
        access_logger.debug("%s %s", self.address_string(), format % args)

    def address_string(self) -> str:
        return str(self.client_address[0])


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """wsgiref's server with a thread per connection."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256


def gated(app: Callable[..., Any], slots: int) -> Callable[..., Any]:
    """`app` run by at most `slots` threads at once; the other requests wait their turn.

    Threads of one process share one interpreter lock: twenty requests computing at once take
    longer together (lock hand-offs) than one after the other, and each waits for all.
    Streamed bodies (exports) are sent outside the gate.
    """
    gate = threading.Semaphore(slots)

    def run(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        with gate:
            return app(environ, start_response)

    return run


def make_server(
    host: str, port: int, app: Callable[..., Any], *, bind: bool = True, slots: int = 1
) -> ThreadingWSGIServer:
    """A server for `app` bound to host:port (IPv6 when the host has a colon)."""

    class Server(ThreadingWSGIServer):
        address_family = socket.AF_INET6 if ":" in host else socket.AF_INET

    server = Server((host, port), QuietRequestHandler, bind_and_activate=bind)
    server.set_app(gated(app, slots) if slots > 0 else app)
    return server


def serve(
    app: Callable[..., Any],
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    workers: int = 1,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Serve `app` until interrupted; `workers` > 1 forks processes sharing one socket."""
    server = make_server(host, port, app)
    bound_host, bound_port = server.server_address[:2]
    shown = f"[{bound_host}]" if ":" in str(bound_host) else bound_host
    url = f"http://{shown}:{bound_port}/"
    if ready is not None:
        ready(url)
    if workers <= 1 or not hasattr(os, "fork"):
        try:
            server.serve_forever(poll_interval=0.5)
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
        return
    children: list[int] = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            try:
                server.serve_forever(poll_interval=0.5)
            finally:
                os._exit(0)
        children.append(pid)

    def stop(signum: int, frame: Any) -> None:
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for pid in children:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        server.server_close()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for pid in children:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass

"""A small threaded WSGI server (stdlib wsgiref) for the search page, optionally pre-forked."""

from __future__ import annotations

import logging
import os
import select
import signal
import socket
import sys
import threading
import time
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


class _Slot:
    """One request's turn to compute: held from the accept, released once it is done."""

    def __init__(self, slots: threading.Semaphore) -> None:
        self._slots = slots
        self._held = True

    def hold(self) -> None:
        if not self._held:
            self._slots.acquire()
            self._held = True

    def release(self) -> None:
        if self._held:
            self._held = False
            self._slots.release()


_current = threading.local()
IDLE_CONNECTION_WAIT = 0.05  # seconds a new connection may hold a slot before sending


class GatedWSGIServer(ThreadingWSGIServer):
    """A threaded server that accepts a connection only when one of its `slots` is free.

    Threads of one interpreter share one lock: twenty requests computing at once take longer
    together than one after the other. A process that is busy also leaves new connections to
    the other worker processes instead of queueing them behind its own. The slot is given
    back when the application returns (a streamed export goes on sending on its own thread),
    when the request ends without reaching it, or at once when the connection has sent
    nothing yet (a browser's preconnection): it is taken again before the application runs.
    """

    slots: threading.Semaphore

    def get_request(self) -> tuple[socket.socket, Any]:
        self.slots.acquire()
        try:
            return super().get_request()
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        slot = _current.slot = _Slot(self.slots)
        try:
            if not select.select([request], [], [], IDLE_CONNECTION_WAIT)[0]:
                slot.release()
            super().process_request_thread(request, client_address)
        finally:
            slot.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.debug("connection from %s failed", client_address, exc_info=True)


def _releasing(app: Callable[..., Any]) -> Callable[..., Any]:
    def run(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        slot = getattr(_current, "slot", None)
        if slot is not None:
            slot.hold()
        try:
            return app(environ, start_response)
        finally:
            if slot is not None:
                slot.release()

    return run


def make_server(
    host: str, port: int, app: Callable[..., Any], *, bind: bool = True, slots: int = 1
) -> GatedWSGIServer:
    """A server for `app` bound to host:port (IPv6 when the host has a colon); `slots`
    requests of this process compute at once."""

    class Server(GatedWSGIServer):
        address_family = socket.AF_INET6 if ":" in host else socket.AF_INET

    server = Server((host, port), QuietRequestHandler, bind_and_activate=bind)
    server.slots = threading.Semaphore(slots)
    server.set_app(_releasing(app))
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
    children: dict[int, float] = {}  # pid → start time

    def start_worker() -> None:
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            try:
                server.serve_forever(poll_interval=0.5)
            finally:
                os._exit(0)
        children[pid] = time.monotonic()

    for _ in range(workers):
        start_worker()

    def stop(signum: int, frame: Any) -> None:
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for pid in list(children):
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        server.server_close()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        started = children.pop(pid, None)
        if started is not None:
            logger.warning("worker %d ended (status %d): starting another", pid, status)
            if time.monotonic() - started < 1.0:
                time.sleep(1.0)  # a worker that dies at once must not make a fork storm
            start_worker()

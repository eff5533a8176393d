"""Worker processes for a crawl's CPU-heavy steps: page parsing and attachment text (OCR).

Scrapy's reactor runs in one process; parsing a page there holds up every download and every
other callback. The spider hands pages and attachments to worker processes instead and awaits
the answers, so the crawl's process only fetches, captures and schedules. A worker is
`python -m scraper.workers`, fed pickled calls on its stdin and answering on its stdout, all on
the crawl's event loop (no threads, no GIL hand-offs per page). Calls are answered in order. A
worker dies with the crawl (a `kill -9` leaves no orphan), exits when its stdin closes, and
ignores SIGINT/SIGTERM, which a terminal or systemd sends to the whole process group: the crawl,
shutting down gracefully, still waits for its answers.
"""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import struct
import sys
from collections import deque
from typing import Any

from indexer.worker import die_with_parent, ignore_stop_signals, stop_signals_blocked
from scraper.parsers import ParseError

logger = logging.getLogger(__name__)

HEADER = struct.Struct("!Q")
STREAM_LIMIT = 2**20


class WorkerDied(Exception):
    """The worker process ended before it answered."""


def _parse(url: str, body: bytes, cms: str | None, portal: str | None) -> dict[str, Any]:
    from scraper.parsers import parse_page

    return parse_page(url, body, cms=cms, portal=portal)


def _attachment(attachment: dict[str, Any], body: bytes, content_type: str) -> dict[str, Any]:
    from scraper.attachment_records import attachment_entry

    return attachment_entry(attachment, body, content_type=content_type)


TASKS = {"parse": _parse, "attachment": _attachment}


class _Running:
    """A started worker process and the calls it has not answered yet, oldest first."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.waiting: deque[asyncio.Future[Any]] = deque()
        self.reader: asyncio.Task[None] | None = None


class WorkerProcess:
    """One worker process; started on the first call, started again after it died."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.running: _Running | None = None
        self.starting = asyncio.Lock()

    @property
    def process(self) -> asyncio.subprocess.Process | None:
        """The current worker process, if started."""
        return self.running.process if self.running is not None else None

    async def _ensure(self) -> _Running:
        async with self.starting:  # concurrent first calls must not start two workers
            running = self.running
            if running is not None and running.process.returncode is None:
                return running
            level = str(logging.getLogger().getEffectiveLevel())
            # The crawl's import path (scrapyd adds the deployed egg at run time): same code.
            path = os.pathsep.join(p or os.getcwd() for p in sys.path)
            env = {**os.environ, "PYTHONPATH": path}
            with stop_signals_blocked():
                process = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "scraper.workers",
                    str(os.getpid()),
                    level,
                    self.name,  # unused by the worker: names it in `ps`
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                    limit=STREAM_LIMIT,
                    env=env,
                )
            running = self.running = _Running(process)
            running.reader = asyncio.ensure_future(self._read_answers(running))
            return running

    async def call(self, task: str, *args: Any) -> Any:
        """TASKS[task](*args) in the worker; WorkerDied if it ends first."""
        running = await self._ensure()
        stdin = running.process.stdin
        assert stdin is not None
        payload = pickle.dumps((task, args), protocol=pickle.HIGHEST_PROTOCOL)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        running.waiting.append(future)  # no await between this and the write: order kept
        stdin.write(HEADER.pack(len(payload)) + payload)
        return await future

    async def _read_answers(self, running: _Running) -> None:
        stdout = running.process.stdout
        assert stdout is not None
        try:
            while True:
                size = HEADER.unpack(await stdout.readexactly(HEADER.size))[0]
                status, value = pickle.loads(await stdout.readexactly(size))
                future = running.waiting.popleft()
                if future.done():
                    continue
                if status == "ok":
                    future.set_result(value)
                else:
                    future.set_exception(value)
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        code = await running.process.wait()
        if running.waiting:
            logger.error("the %s worker process ended (exit code %s)", self.name, code)
        while running.waiting:
            future = running.waiting.popleft()
            if not future.done():
                future.set_exception(WorkerDied(f"the {self.name} worker process ended"))

    async def close(self) -> None:
        """Let the worker answer what it holds, then end it."""
        running, self.running = self.running, None
        if running is None:
            return
        process = running.process
        if process.returncode is None:
            assert process.stdin is not None
            process.stdin.close()
            try:
                await asyncio.wait_for(process.wait(), timeout=60)
            except TimeoutError:
                process.kill()
                await process.wait()
        if running.reader is not None:
            await running.reader


class CrawlWorkers:
    """The parse and attachment workers of one crawl (`enabled` False: all in this process)."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.parser = WorkerProcess("parser")
        self.extractor = WorkerProcess("attachment")

    async def parse(self, url: str, body: bytes, cms: str | None, portal: str | None) -> dict:
        """parse_page in the parser worker; ParseError also when the page kills the worker."""
        if not self.enabled:
            return _parse(url, body, cms, portal)
        try:
            return await self.parser.call("parse", url, body, cms, portal)
        except WorkerDied:
            try:  # the page may not be the one that killed it: once more, in a new worker
                return await self.parser.call("parse", url, body, cms, portal)
            except WorkerDied:
                raise ParseError("the parser process died on this page") from None

    async def attachment(
        self, attachment: dict[str, Any], body: bytes | None, content_type: str
    ) -> dict[str, Any]:
        """The attachment's entry with its text, extracted in the attachment worker."""
        from scraper.attachment_records import attachment_entry

        if body is None:
            return attachment_entry(attachment, None)
        if not self.enabled:
            return await asyncio.to_thread(_attachment, attachment, body, content_type)
        try:
            return await self.extractor.call("attachment", attachment, body, content_type)
        except WorkerDied:
            return attachment_entry(
                attachment, None, missing="text extraction failed: its worker process died"
            )

    async def close(self) -> None:
        """End both workers."""
        await self.parser.close()
        await self.extractor.close()


def serve(parent: int) -> None:
    """The worker's loop: answer each call on stdin until stdin closes."""
    die_with_parent()
    if os.getppid() != parent:
        return
    ignore_stop_signals()
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # stray prints must not corrupt the answers
    while True:
        header = source.read(HEADER.size)
        if len(header) < HEADER.size:
            return
        task, args = pickle.loads(source.read(HEADER.unpack(header)[0]))
        try:
            answer = ("ok", TASKS[task](*args))
        except Exception as exc:
            answer = ("error", exc)
        try:
            payload = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # an exception that does not pickle
            payload = pickle.dumps(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
        sink.write(HEADER.pack(len(payload)) + payload)
        sink.flush()


if __name__ == "__main__":
    logging.basicConfig(level=int(sys.argv[2]), format="%(levelname)s %(name)s: %(message)s")
    serve(int(sys.argv[1]))

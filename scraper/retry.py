"""RetryAfterMiddleware: retries with exponential backoff; `Retry-After` obeyed per host."""

from __future__ import annotations

import logging
import random
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.asyncio import sleep
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import response_status_message

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

DEFAULT_BACKOFF_BASE = 2.0
DEFAULT_BACKOFF_MAX = 60.0
DEFAULT_RETRY_AFTER_MAX = 300.0


def parse_retry_after(value: bytes | str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` value (seconds or an HTTP date); None if unusable."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return float(int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = datetime.fromtimestamp(time.time() if now is None else now, UTC)
    return max(0.0, (when - current).total_seconds())


def backoff_delay(retry_times: int, base: float, cap: float, *, jitter: bool = True) -> float:
    """Delay before retry number `retry_times`: base·2^(n-1), capped, jittered to [d/2, d]."""
    if base <= 0:
        return 0.0
    delay = min(cap, base * 2 ** max(0, retry_times - 1))
    return random.uniform(delay / 2, delay) if jitter else delay


class RetryAfterMiddleware(RetryMiddleware):
    """Retry 5xx/429 answers and network errors after a backoff; obey `Retry-After` per host.

    Replaces `scrapy.downloadermiddlewares.retry.RetryMiddleware` (same settings: `RETRY_TIMES`,
    `RETRY_HTTP_CODES`, `RETRY_EXCEPTIONS`). Adds `RETRY_BACKOFF_BASE` (seconds, 0 for none),
    `RETRY_BACKOFF_MAX`, and `RETRY_AFTER_MAX`: a server asking for a longer wait than that is
    not retried in this crawl (stat `retry/retry_after_too_long`). While a host's `Retry-After`
    runs, no request goes to that host. 4xx answers other than 408/429 are never retried.
    """

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", DEFAULT_BACKOFF_BASE)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", DEFAULT_BACKOFF_MAX)
        self.retry_after_max = settings.getfloat("RETRY_AFTER_MAX", DEFAULT_RETRY_AFTER_MAX)
        self.not_before: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build from the crawler's settings."""
        middleware = cls(crawler.settings)
        middleware.crawler = crawler
        return middleware

    async def process_request(self, request: Request) -> None:
        """Hold a request to a host that asked us to come back later."""
        host = urlparse_cached(request).netloc
        wait = self.not_before.get(host, 0.0) - time.monotonic()
        if wait > 0:
            self._inc("retry/held_for_retry_after")
            await sleep(wait)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        """Retry a retryable status after its `Retry-After` or a backoff; else pass it on."""
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry_after = parse_retry_after(response.headers.get(b"Retry-After"))
        if retry_after is not None and retry_after > self.retry_after_max:
            self._inc("retry/retry_after_too_long")
            logger.warning(
                "%s asks to retry after %.0f s (more than RETRY_AFTER_MAX %.0f s): not retried",
                request.url,
                retry_after,
                self.retry_after_max,
            )
            return response
        new_request = self._retry(request, response_status_message(response.status))
        if new_request is None:
            return response
        delay = backoff_delay(new_request.meta["retry_times"], self.backoff_base, self.backoff_max)
        if retry_after is not None:
            delay = max(delay, retry_after)
            host = urlparse_cached(request).netloc
            self.not_before[host] = max(
                self.not_before.get(host, 0.0), time.monotonic() + retry_after
            )
            self._inc("retry/retry_after")
        if delay > 0:
            await sleep(delay)
        return new_request

    async def process_exception(
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        """Retry a timeout, reset or lost connection after a backoff."""
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get(
            "dont_retry", False
        ):
            return None
        new_request = self._retry(request, exception)
        if new_request is None:
            return None
        delay = backoff_delay(new_request.meta["retry_times"], self.backoff_base, self.backoff_max)
        if delay > 0:
            await sleep(delay)
        return new_request

    def _inc(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)

"""Shared fixtures: the offline replica portal on 127.0.0.1 and the govarchive CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def run_cli(
    *args: str, data: Path | None = None, timeout: float = 600, check: bool = True, **kwargs
) -> subprocess.CompletedProcess[str]:
    """Run `govarchive` in a fresh process (Twisted's reactor cannot restart in one)."""
    cmd = [sys.executable, "-m", "search_cli", *(["--data", str(data)] if data else []), *args]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    result = subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout, cwd=REPO, env=env, **kwargs
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(cmd)} exited {result.returncode}\nstdout:\n{result.stdout[-3000:]}"
            f"\nstderr:\n{result.stderr[-6000:]}"
        )
    return result


@pytest.fixture
def replica() -> Iterator[object]:
    """A fresh replica portal for one test (its content may be changed by the test)."""
    from scraper.replica import ReplicaPortal

    with ReplicaPortal() as portal:
        yield portal


@pytest.fixture(scope="session")
def shared_replica() -> Iterator[object]:
    """One replica portal for read-only tests."""
    from scraper.replica import ReplicaPortal

    with ReplicaPortal() as portal:
        yield portal

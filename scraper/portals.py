"""The portal registry, `data/portals.toml`: which portals to crawl and how."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


class RegistryError(ValueError):
    """Raised when the portal registry cannot be read or names an unknown portal."""


@dataclass(frozen=True)
class Portal:
    """One portal of the registry."""

    id: str
    name: str
    url: str
    cms: str | None = None
    allowed_domains: tuple[str, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def host(self) -> str:
        """Host name of the start URL."""
        return urlsplit(self.url).hostname or ""


def load_registry(path: Path) -> dict[str, Portal]:
    """Read the registry; an absent file is an empty registry."""
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RegistryError(f"cannot read portal registry {path}: {exc}") from exc
    portals: dict[str, Portal] = {}
    for entry in data.get("portal", []):
        try:
            portal = Portal(
                id=entry["id"],
                name=entry.get("name", entry["id"]),
                url=entry["url"],
                cms=entry.get("cms"),
                allowed_domains=tuple(entry.get("allowed_domains", ())),
                settings=dict(entry.get("settings", {})),
            )
        except KeyError as exc:
            raise RegistryError(f"{path}: a [[portal]] entry lacks {exc.args[0]!r}") from exc
        if portal.id in portals:
            raise RegistryError(f"{path}: portal id {portal.id!r} appears twice")
        portals[portal.id] = portal
    return portals


def portal_for_url(url: str, registry: dict[str, Portal]) -> str:
    """The registry id whose domains hold the URL's host, else the host itself."""
    host = urlsplit(url).hostname or ""
    for portal in registry.values():
        for domain in (portal.host, *portal.allowed_domains):
            if domain and (host == domain or host.endswith("." + domain)):
                return portal.id
    return host

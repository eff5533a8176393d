"""Which parser handles a page: by generator meta and markup, or forced per portal."""

from __future__ import annotations

import importlib
import importlib.util
import logging
from types import ModuleType

import lxml.html

from scraper.parsers.base import ParseError

__all__ = [
    "FALLBACK",
    "FAMILIES",
    "available_parsers",
    "choose_parser",
    "detects",
    "get_parser",
]

logger = logging.getLogger(__name__)

_PACKAGE = "scraper.parsers"

FAMILIES: list[str] = [
    "nukeviet_laws",
    "nukeviet_dispatch",
    "nukeviet_news",
    "liferay",
    "sharepoint",
    "kentico",
    "generic",
]
"""Parser modules in the order their `detect()` is tried; `generic` last, as the fallback."""

FALLBACK = "generic"

# Short names a portal registry may give as `cms =`: a family of modules, tried in order.
ALIASES: dict[str, tuple[str, ...]] = {
    "nukeviet": ("nukeviet_laws", "nukeviet_dispatch", "nukeviet_news"),
}

_loaded: dict[str, ModuleType | None] = {}


def _load(name: str) -> ModuleType | None:
    """Import `scraper.parsers.<name>` if it exists; None when that module is not written yet."""
    if name not in _loaded:
        qualified = f"{_PACKAGE}.{name}"
        if importlib.util.find_spec(qualified) is None:
            _loaded[name] = None
        else:
            _loaded[name] = importlib.import_module(qualified)
    return _loaded[name]


def available_parsers() -> list[ModuleType]:
    """Return the parser modules present, in `FAMILIES` order."""
    return [module for name in FAMILIES if (module := _load(name)) is not None]


def get_parser(cms: str) -> ModuleType:
    """Return the parser module named `cms` (module name or its `CMS_NAME`)."""
    wanted = cms.strip().lower().replace("-", "_")
    for module in available_parsers():
        names = {module.__name__.rsplit(".", 1)[-1], getattr(module, "CMS_NAME", "").lower()}
        if wanted in {n.replace("-", "_") for n in names}:
            return module
    raise ParseError(f"unknown cms {cms!r}")


def detects(module: ModuleType, doc: lxml.html.HtmlElement, url: str) -> bool:
    """Return `module.detect(doc, url)`, False (logged) if detection itself fails."""
    try:
        return bool(module.detect(doc, url))
    except Exception:
        logger.exception("detect() of %s failed on %s", module.__name__, url)
        return False


def choose_parser(
    doc: lxml.html.HtmlElement, url: str, cms: str | None = None
) -> ModuleType | None:
    """Return the parser module for `doc`: forced by `cms`, else the first that detects it."""
    if cms:
        family = ALIASES.get(cms.strip().lower())
        if family is None:
            return get_parser(cms)
        modules = [m for name in family if (m := _load(name)) is not None]
        for module in modules:
            if detects(module, doc, url):
                return module
        return None
    for module in available_parsers():
        if module.__name__.endswith(f".{FALLBACK}"):
            continue
        if detects(module, doc, url):
            return module
    return _load(FALLBACK)

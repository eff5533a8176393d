"""Exceptions of the indexer package."""

from __future__ import annotations


class IndexerError(Exception):
    """Base class: raised when the index cannot do what was asked."""


class NoIndexError(IndexerError):
    """Raised when there is no index in the given directory."""


class IndexLockedError(IndexerError):
    """Raised when another writer holds the index lock past the timeout."""


class QueryError(IndexerError):
    """Raised when nothing searchable remains of a query."""

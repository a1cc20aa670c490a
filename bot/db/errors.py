"""Errors raised by the repositories."""

from __future__ import annotations


class NotFound(LookupError):
    """The row does not exist in this workspace (it may exist in another one: that is the point)."""


class AlreadyExists(ValueError):
    """A row with the same natural key already exists."""


class Closed(ValueError):
    """The survey round is closed and takes no more votes."""

"""Fail tests on errors the bot only *logged*.

discord.py swallows exceptions from event handlers (``Client.on_error``), views, modals and
the command tree, and only logs them at ERROR ("Ignoring exception in ..."). The user sees
nothing, the test sees no reply. ``ErrorLogGuard`` collects ERROR records from the watched
loggers (``discord`` and the project's ``bot`` by default); the fixture fails the test at
teardown if any were not expected, and the harness stops waiting as soon as one appears.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Allowance:
    pattern: str = ""
    logger: str = ""
    exc_type: type[BaseException] | None = None

    def covers(self, record: logging.LogRecord) -> bool:
        if self.logger and not record.name.startswith(self.logger):
            return False
        text = record.getMessage() + "\n" + (
            repr(record.exc_info[1]) if record.exc_info and record.exc_info[1] else "")
        if self.pattern and not re.search(self.pattern, text):
            return False
        exc = record.exc_info[1] if record.exc_info else None
        return self.exc_type is None or isinstance(exc, self.exc_type)


class ErrorLogGuard(logging.Handler):
    """A logging handler that remembers ERROR (and worse) records."""

    def __init__(self, logger_names: tuple[str, ...] = ("discord", "bot")) -> None:
        super().__init__(level=logging.ERROR)
        self.logger_names = logger_names
        self.records: list[logging.LogRecord] = []
        self.allowances: list[Allowance] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unexpected = asyncio.Event()

    def install(self) -> ErrorLogGuard:
        self._loop = asyncio.get_running_loop()
        for name in self.logger_names:
            logging.getLogger(name).addHandler(self)
        return self

    def uninstall(self) -> None:
        for name in self.logger_names:
            logging.getLogger(name).removeHandler(self)

    def allow(self, pattern: str = "", *, logger: str = "",
              exc_type: type[BaseException] | None = None) -> None:
        """Expect ERROR records whose message or exception matches ``pattern`` (a regex),
        from ``logger`` (a prefix), with an exception of ``exc_type``. Call before the action."""
        self.allowances.append(Allowance(pattern, logger, exc_type))

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        if not self._is_allowed(record) and self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._unexpected.set)

    def _is_allowed(self, record: logging.LogRecord) -> bool:
        return any(a.covers(record) for a in self.allowances)

    @property
    def unexpected(self) -> list[logging.LogRecord]:
        return [r for r in self.records if not self._is_allowed(r)]

    def describe(self) -> str:
        formatter = logging.Formatter("%(levelname)s %(name)s: %(message)s")
        return "\n\n".join(formatter.format(r) for r in self.unexpected)

    def check(self) -> None:
        """Raise AssertionError listing unexpected ERROR records, if any."""
        if self.unexpected:
            raise AssertionError("the bot logged unexpected errors:\n" + self.describe())

    async def fail_fast(self, waiting: Awaitable[T], what: str) -> T:
        """Await ``waiting``, but fail as soon as an unexpected ERROR is logged."""
        task = asyncio.ensure_future(waiting)
        alarm = asyncio.ensure_future(self._unexpected.wait())
        try:
            await asyncio.wait({task, alarm}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            alarm.cancel()
        if task.done():
            return task.result()
        task.cancel()
        raise AssertionError(f"the bot logged an error while {what}:\n{self.describe()}")

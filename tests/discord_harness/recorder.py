"""An ordered log of what the bot did on the wire, which tests can wait on without sleeping.

Paths are relative to ``/api/v10`` and matched with shell-style wildcards
(``fnmatch``: ``*`` matches anything, ``/`` included): ``"/channels/*/messages"``.
"""

from __future__ import annotations

import asyncio
import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DEFAULT_TIMEOUT = 5.0


def route_matches(method: str, pattern: str, request_method: str, path: str) -> bool:
    """``method`` is an HTTP method or ``"*"``; ``pattern`` a shell-style path pattern."""
    return method in ("*", request_method) and fnmatch.fnmatchcase(path, pattern)


@dataclass(frozen=True)
class RecordedRequest:
    """One REST call the bot made, with the fake server's answer."""

    index: int
    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int
    response: Any
    files: tuple[str, ...] = ()

    def matches(self, method: str, pattern: str) -> bool:
        return route_matches(method, pattern, self.method, self.path)

    def __str__(self) -> str:
        return f"#{self.index} {self.method} {self.path} -> {self.status}"


@dataclass(frozen=True)
class GatewayFrame:
    """One frame the bot sent over the gateway (op 1 heartbeat, 2 identify, 6 resume...)."""

    index: int
    op: int
    data: Any


@dataclass
class Recorder:
    """Appends records and wakes up waiters; ``mark()`` + ``since=`` scope a wait to
    what happened after an action."""

    requests: list[RecordedRequest] = field(default_factory=list)
    frames: list[GatewayFrame] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    def mark(self) -> int:
        """A cursor: the number of requests recorded so far."""
        return len(self.requests)

    async def add_request(self, **fields: Any) -> RecordedRequest:
        record = RecordedRequest(index=len(self.requests), **fields)
        self.requests.append(record)
        await self._notify()
        return record

    async def add_frame(self, op: int, data: Any) -> None:
        self.frames.append(GatewayFrame(len(self.frames), op, data))
        await self._notify()

    def note(self, text: str) -> None:
        """Something a failing test should mention (e.g. an event dropped for lack of intent)."""
        self.notes.append(text)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def find(self, method: str = "*", pattern: str = "*", *, since: int = 0,
             where: Callable[[RecordedRequest], bool] | None = None) -> list[RecordedRequest]:
        """Recorded requests matching ``method`` and ``pattern`` (and ``where``)."""
        return [
            r for r in self.requests[since:]
            if r.matches(method, pattern) and (where is None or where(r))
        ]

    async def wait_for_request(
        self, method: str, pattern: str, *, since: int = 0, timeout: float = DEFAULT_TIMEOUT,
        where: Callable[[RecordedRequest], bool] | None = None,
    ) -> RecordedRequest:
        """The first matching request at or after ``since``; fails the test after ``timeout``."""
        try:
            return await self._wait(lambda: next(iter(self.find(method, pattern, since=since,
                                                                 where=where)), None), timeout)
        except TimeoutError:
            raise AssertionError(
                f"the bot made no {method} {pattern} request within {timeout}s.\n"
                + self.describe(since)
            ) from None

    async def wait_for_frame(self, op: int, *, since: int = 0,
                             timeout: float = DEFAULT_TIMEOUT) -> GatewayFrame:
        """The first gateway frame with ``op`` at or after frame index ``since``."""
        try:
            return await self._wait(
                lambda: next((f for f in self.frames[since:] if f.op == op), None), timeout
            )
        except TimeoutError:
            ops = [f.op for f in self.frames[since:]]
            raise AssertionError(f"no gateway op {op} within {timeout}s; got ops {ops}") from None

    async def expect_no_request(self, method: str, pattern: str, *, since: int = 0,
                                within: float = 0.1) -> None:
        """Assert the bot makes no matching request during a short, bounded window."""
        try:
            found = await self._wait(
                lambda: next(iter(self.find(method, pattern, since=since)), None), within
            )
        except TimeoutError:
            return
        raise AssertionError(f"unexpected request {found}: body={found.body!r}")

    async def _wait(self, probe: Callable[[], Any], timeout: float) -> Any:
        async with asyncio.timeout(timeout), self._changed:
            result = probe()
            while result is None:
                await self._changed.wait()
                result = probe()
            return result

    def describe(self, since: int = 0) -> str:
        """A readable summary for failure messages."""
        lines = [f"  {r}  body={_short(r.body)}" for r in self.requests[since:]]
        text = "requests since the action:\n" + ("\n".join(lines) if lines else "  (none)")
        if self.notes:
            text += "\nserver notes:\n" + "\n".join(f"  {n}" for n in self.notes)
        return text


def _short(value: Any, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."

"""A daemon thread that runs a loop until stopped (the file watcher, the knowledge follower)."""

from __future__ import annotations

import threading
from typing import Self


class BackgroundThread:
    """Runs `_run()` on a daemon thread named `thread_name` from `start()` until `stop()`;
    `_run` should return soon after `self._stop` is set. `start` twice starts one thread."""

    thread_name = "careerbot-background"

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _starting(self) -> None:
        """Called by `start` before the thread starts (state to take on the caller's thread)."""

    def _run(self) -> None:
        raise NotImplementedError

    def start(self) -> Self:
        if self._thread is None:
            self._stop.clear()
            self._starting()
            self._thread = threading.Thread(target=self._run, name=self.thread_name,
                                            daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

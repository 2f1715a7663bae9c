"""Pausing the cyclic garbage collector around big, cycle-free builds."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a large structure is built.

    Parsing a knowledge file or building the index allocates hundreds of thousands of objects,
    none in a reference cycle: the collector would walk them, and everything else alive, again
    and again for nothing. Reference counting still frees them.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

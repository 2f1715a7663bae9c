"""Shared by the tests of this package (constants and helpers)."""

from __future__ import annotations

PAY_QUESTION = "how much do ML engineers earn?"


def field_names(message) -> list[str]:
    return [f["name"] for e in message.embeds for f in e.get("fields", [])]

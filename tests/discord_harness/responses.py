"""HTTP responses as Discord writes them.

discord.py parses a body as JSON only when ``Content-Type`` is exactly ``application/json``;
aiohttp's ``web.json_response`` appends ``; charset=utf-8`` and the client then treats the
body as a string, so responses are built by hand. Errors carry ``{"message", "code"}``.
The payload is also kept on the response (``response["payload"]``) for the request log.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

UNKNOWN_CHANNEL = 10003
UNKNOWN_MESSAGE = 10008
UNKNOWN_USER = 10013
UNKNOWN_WEBHOOK = 10015
UNKNOWN_INTERACTION = 10062
INTERACTION_ALREADY_ACKNOWLEDGED = 40060
MISSING_PERMISSIONS = 50013
INVALID_FORM_BODY = 50035


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None,
                  ) -> web.Response:
    """A JSON response with ``Content-Type: application/json`` exactly (no charset)."""
    response = web.Response(body=json.dumps(data).encode(), status=status,
                            headers={"Content-Type": "application/json", **(headers or {})})
    response["payload"] = data
    return response


def error_response(status: int, message: str, code: int = 0, **extra: Any) -> web.Response:
    """Discord's JSON error body, e.g. ``403 {"message": "Missing Permissions", "code": 50013}``."""
    return json_response({"message": message, "code": code, **extra}, status)


def invalid_form_body(problems: list[str]) -> web.Response:
    return error_response(400, "Invalid Form Body", INVALID_FORM_BODY, errors=problems)


def empty_response() -> web.Response:
    return web.Response(status=204)

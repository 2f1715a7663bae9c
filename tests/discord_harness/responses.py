"""HTTP responses as Discord writes them.

discord.py parses a body as JSON only when ``Content-Type`` is exactly ``application/json``;
aiohttp's ``web.json_response`` appends ``; charset=utf-8`` and the client then treats the
body as a string, so responses are built by hand. Errors carry ``{"message", "code"}``.

``read_body`` parses what discord.py sends: JSON, or multipart (``payload_json`` plus
``files[n]``) when files are attached. aiohttp caches the body, so it can be read twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aiohttp import web

from .limits import EmptyMessage, Problem

Files = list[tuple[str, int]]  # (filename, size) of attached files

UNKNOWN_CHANNEL = 10003
UNKNOWN_MESSAGE = 10008
UNKNOWN_USER = 10013
UNKNOWN_WEBHOOK = 10015
UNKNOWN_INTERACTION = 10062
INTERACTION_ALREADY_ACKNOWLEDGED = 40060
EMPTY_MESSAGE = 50006
MISSING_PERMISSIONS = 50013
INVALID_FORM_BODY = 50035


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None,
                  ) -> web.Response:
    """A JSON response with ``Content-Type: application/json`` exactly (no charset)."""
    response = web.Response(body=json.dumps(data).encode(), status=status,
                            headers={"Content-Type": "application/json", **(headers or {})})
    return response


def payload_of(response: web.StreamResponse) -> Any:
    """The JSON a response carries (for the request log), or None."""
    if not isinstance(response, web.Response) or response.content_type != "application/json":
        return None
    return json.loads(response.body) if response.body else None


def error_response(status: int, message: str, code: int = 0, **extra: Any) -> web.Response:
    """Discord's JSON error body, e.g. ``403 {"message": "Missing Permissions", "code": 50013}``."""
    return json_response({"message": message, "code": code, **extra}, status)


def invalid_form_body(problems: list[Problem]) -> web.Response:
    """50035 with Discord's nested ``errors``: ``{"content": {"_errors": [{code, message}]}}``."""
    errors: dict[str, Any] = {}
    for problem in problems:
        node = errors
        for part in problem.path.split("."):
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": problem.code, "message": problem.message})
    return error_response(400, "Invalid Form Body", INVALID_FORM_BODY, errors=errors)


def refusal(check: Callable[[], list[Problem]]) -> web.Response | None:
    """Run a :mod:`.limits` check: the error Discord would answer with, or None if fine."""
    try:
        problems = check()
    except EmptyMessage:
        return error_response(400, "Cannot send an empty message", EMPTY_MESSAGE)
    return invalid_form_body(problems) if problems else None


def empty_response() -> web.Response:
    return web.Response(status=204)


async def read_body(request: web.Request) -> tuple[Any, Files]:
    """The request's JSON body (or None) and its attached files."""
    if request.content_type.startswith("multipart/"):
        form = await request.post()
        body = json.loads(str(form["payload_json"])) if "payload_json" in form else {}
        files = []
        for field in form.values():
            if isinstance(field, web.FileField):
                field.file.seek(0)
                files.append((field.filename, len(field.file.read())))
        return body, files
    text = await request.text() if request.body_exists else ""
    return (json.loads(text) if text else None), []

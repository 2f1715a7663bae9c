"""Discord's size limits, checked the way the real API does: a violation answers
``400 {"code": 50035, "message": "Invalid Form Body", "errors": ...}`` and discord.py raises
``HTTPException``. Production bugs hide here (a 2,001-character answer, a 26th choice), so the
fake refuses what Discord would refuse.

Each ``check_*`` returns a list of human-readable problems (empty when fine).
"""

from __future__ import annotations

import re
from typing import Any

Json = dict[str, Any]

COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")
IS_COMPONENTS_V2 = 1 << 15
EMBED_LIMITS = {"title": 256, "description": 4096}
SELECT_TYPES = {3, 5, 6, 7, 8}


def _too_long(what: str, value: Any, limit: int) -> list[str]:
    if value and len(value) > limit:
        return [f"{what} is {len(value)} characters (max {limit})"]
    return []


def check_message(body: Json | None, *, has_files: bool = False, editing: bool = False,
                  ) -> list[str]:
    """A message create/edit body (also interaction responses of type 4 and 7)."""
    body = body or {}
    problems = _too_long("content", body.get("content"), 2000)
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        problems.append(f"{len(embeds)} embeds (max 10)")
    for embed in embeds:
        problems += _check_embed(embed)
    problems += check_components(body.get("components") or [], int(body.get("flags") or 0))
    content_keys = ("content", "embeds", "components", "sticker_ids", "poll", "attachments")
    if not editing and not has_files and not any(body.get(k) for k in content_keys):
        problems.append("Cannot send an empty message")
    return problems


def _check_embed(embed: Json) -> list[str]:
    problems = []
    for key, limit in EMBED_LIMITS.items():
        problems += _too_long(f"embed {key}", embed.get(key), limit)
    fields = embed.get("fields") or []
    if len(fields) > 25:
        problems.append(f"embed has {len(fields)} fields (max 25)")
    for field in fields:
        problems += _too_long("embed field name", field.get("name"), 256)
        problems += _too_long("embed field value", field.get("value"), 1024)
    problems += _too_long("embed footer", (embed.get("footer") or {}).get("text"), 2048)
    total = sum(len(embed.get(k) or "") for k in EMBED_LIMITS) + sum(
        len(f.get("name") or "") + len(f.get("value") or "") for f in fields)
    if total > 6000:
        problems.append(f"embed totals {total} characters (max 6000)")
    return problems


def check_components(rows: list[Json], flags: int = 0) -> list[str]:
    if flags & IS_COMPONENTS_V2:
        return []  # layout components: not checked here
    problems = [f"{len(rows)} action rows (max 5)"] if len(rows) > 5 else []
    for row in rows:
        children = row.get("components") or []
        selects = [c for c in children if c.get("type") in SELECT_TYPES]
        if len(children) > 5 or (selects and len(children) > 1):
            problems.append("an action row holds up to 5 buttons or a single select")
        for child in children:
            problems += _too_long("custom_id", child.get("custom_id"), 100)
            problems += _too_long("button label", child.get("label"), 80)
            if child.get("type") == 2 and child.get("style") != 5 and not child.get("custom_id"):
                problems.append("a non-link button needs a custom_id")
            if len(child.get("options") or []) > 25:
                problems.append("a select has more than 25 options")
    return problems


def check_choices(data: Json) -> list[str]:
    """An autocomplete result (callback type 8)."""
    choices = data.get("choices") or []
    problems = [f"{len(choices)} autocomplete choices (max 25)"] if len(choices) > 25 else []
    for choice in choices:
        if not 1 <= len(choice.get("name") or "") <= 100:
            problems.append(f"choice name {choice.get('name')!r} must be 1-100 characters")
        if isinstance(choice.get("value"), str):
            problems += _too_long("choice value", choice["value"], 100)
    return problems


def check_modal(data: Json) -> list[str]:
    """A modal (callback type 9)."""
    problems = _too_long("modal title", data.get("title"), 45)
    problems += _too_long("modal custom_id", data.get("custom_id"), 100)
    if not 1 <= len(data.get("components") or []) <= 5:
        problems.append("a modal has 1-5 components")
    return problems


def check_commands(commands: list[Json]) -> list[str]:
    """A bulk command overwrite (``PUT .../commands``)."""
    problems = []
    for command in commands:
        name, kind = command.get("name") or "", command.get("type", 1)
        if kind == 1:
            if not COMMAND_NAME.match(name) or name != name.lower():
                problems.append(f"slash command name {name!r} must be 1-32 lowercase characters")
            if not 1 <= len(command.get("description") or "") <= 100:
                problems.append(f"/{name} needs a 1-100 character description")
        elif not 1 <= len(name) <= 32:
            problems.append(f"context menu name {name!r} must be 1-32 characters")
        if len(command.get("options") or []) > 25:
            problems.append(f"/{name} has more than 25 options")
    return problems

"""Discord's size limits, checked the way the real API does. Production bugs hide here (a
2,001-character answer, a 26th choice), so the fake refuses what Discord would refuse.

Each ``check_*`` returns ``Problem``s: a dotted field path (``"embeds.0.description"``) and
a message. ``responses.invalid_form_body`` turns them into Discord's error body::

    400 {"code": 50035, "message": "Invalid Form Body",
         "errors": {"content": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": ...}]}}}

which discord.py flattens into ``HTTPException.text`` ("In content: Must be 2000 or fewer
in length."). An empty message is its own error, ``50006 Cannot send an empty message``.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

Json = dict[str, Any]

COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")
IS_COMPONENTS_V2 = 1 << 15
EMBED_LIMITS = {"title": 256, "description": 4096}
SELECT_TYPES = {3, 5, 6, 7, 8}


class Problem(NamedTuple):
    path: str
    message: str
    code: str = "BASE_TYPE_BAD_LENGTH"


class EmptyMessage(Exception):
    """Discord's 50006: nothing to send."""


def _too_long(path: str, value: Any, limit: int) -> list[Problem]:
    if value and len(value) > limit:
        return [Problem(path, f"Must be {limit} or fewer in length.", "BASE_TYPE_MAX_LENGTH")]
    return []


def _too_many(path: str, items: list, limit: int) -> list[Problem]:
    if len(items) > limit:
        return [Problem(path, f"Must be {limit} or fewer in length.", "BASE_TYPE_MAX_LENGTH")]
    return []


def check_message(body: Json | None, *, has_files: bool = False, editing: bool = False,
                  ) -> list[Problem]:
    """A message create/edit body (also interaction responses of type 4 and 7).
    Raises ``EmptyMessage`` when creating a message with nothing in it."""
    body = body or {}
    content_keys = ("content", "embeds", "components", "sticker_ids", "poll", "attachments")
    if not editing and not has_files and not any(body.get(k) for k in content_keys):
        raise EmptyMessage
    problems = _too_long("content", body.get("content"), 2000)
    embeds = body.get("embeds") or []
    problems += _too_many("embeds", embeds, 10)
    for index, embed in enumerate(embeds):
        problems += _check_embed(f"embeds.{index}", embed)
    problems += check_components(body.get("components") or [], int(body.get("flags") or 0))
    return problems


def _check_embed(path: str, embed: Json) -> list[Problem]:
    problems = []
    for key, limit in EMBED_LIMITS.items():
        problems += _too_long(f"{path}.{key}", embed.get(key), limit)
    fields = embed.get("fields") or []
    problems += _too_many(f"{path}.fields", fields, 25)
    for index, field in enumerate(fields):
        problems += _too_long(f"{path}.fields.{index}.name", field.get("name"), 256)
        problems += _too_long(f"{path}.fields.{index}.value", field.get("value"), 1024)
    problems += _too_long(f"{path}.footer.text", (embed.get("footer") or {}).get("text"), 2048)
    total = sum(len(embed.get(k) or "") for k in EMBED_LIMITS) + sum(
        len(f.get("name") or "") + len(f.get("value") or "") for f in fields)
    if total > 6000:
        problems.append(Problem(path, f"Embed size exceeds maximum size of 6000 ({total})"))
    return problems


def check_components(rows: list[Json], flags: int = 0) -> list[Problem]:
    if flags & IS_COMPONENTS_V2:
        return []  # layout components: not checked here
    problems = _too_many("components", rows, 5)
    for r, row in enumerate(rows):
        children = row.get("components") or []
        selects = [c for c in children if c.get("type") in SELECT_TYPES]
        if len(children) > 5 or (selects and len(children) > 1):
            problems.append(Problem(f"components.{r}.components",
                                    "An action row holds up to 5 buttons or one select."))
        for c, child in enumerate(children):
            path = f"components.{r}.components.{c}"
            problems += _too_long(f"{path}.custom_id", child.get("custom_id"), 100)
            problems += _too_long(f"{path}.label", child.get("label"), 80)
            problems += _too_many(f"{path}.options", child.get("options") or [], 25)
            if child.get("type") == 2 and child.get("style") != 5 and not child.get("custom_id"):
                problems.append(Problem(f"{path}.custom_id", "This field is required",
                                        "BASE_TYPE_REQUIRED"))
    return problems


def check_choices(data: Json) -> list[Problem]:
    """An autocomplete result (callback type 8)."""
    choices = data.get("choices") or []
    problems = _too_many("data.choices", choices, 25)
    for index, choice in enumerate(choices):
        if not 1 <= len(choice.get("name") or "") <= 100:
            problems.append(Problem(f"data.choices.{index}.name",
                                    "Must be between 1 and 100 in length."))
        if isinstance(choice.get("value"), str):
            problems += _too_long(f"data.choices.{index}.value", choice["value"], 100)
    return problems


def check_modal(data: Json) -> list[Problem]:
    """A modal (callback type 9)."""
    problems = _too_long("data.title", data.get("title"), 45)
    problems += _too_long("data.custom_id", data.get("custom_id"), 100)
    if not 1 <= len(data.get("components") or []) <= 5:
        problems.append(Problem("data.components", "Must be between 1 and 5 in length."))
    return problems


def check_commands(commands: list[Json]) -> list[Problem]:
    """A bulk command overwrite (``PUT .../commands``)."""
    problems = []
    for index, command in enumerate(commands):
        name, kind = command.get("name") or "", command.get("type", 1)
        if kind == 1:
            if not COMMAND_NAME.match(name) or name != name.lower():
                problems.append(Problem(f"{index}.name", f"Invalid slash command name {name!r}",
                                        "APPLICATION_COMMAND_INVALID_NAME"))
            if not 1 <= len(command.get("description") or "") <= 100:
                problems.append(Problem(f"{index}.description",
                                        "Must be between 1 and 100 in length."))
        elif not 1 <= len(name) <= 32:
            problems.append(Problem(f"{index}.name", "Must be between 1 and 32 in length."))
        problems += _too_many(f"{index}.options", command.get("options") or [], 25)
    return problems

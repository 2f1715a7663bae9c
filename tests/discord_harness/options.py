"""Turn test arguments into what Discord's client would send: typed command options and
filled-in modal fields, refusing what the Discord client would not let a user submit.

Option types: 1 subcommand, 2 group, 3 string, 4 integer, 5 boolean, 6 user, 7 channel,
8 role, 10 number, 11 attachment (a ``FakeFile`` from ``FakeDiscord.upload``). User, channel,
role and attachment values are ids, with the objects in ``resolved``.
"""

from __future__ import annotations

from typing import Any

from . import payloads
from .payloads import Json, walk_components
from .world import FakeChannel, FakeFile, FakeRole, FakeUser, World

SUBCOMMAND, GROUP = 1, 2
CONVERTERS = {3: str, 4: int, 5: bool, 10: float}


def build_options(command: Json, path: list[str], values: dict[str, Any], world: World, *,
                  partial: bool = False) -> tuple[list[Json], Json]:
    """Options for ``command`` (with subcommand ``path``) and their ``resolved`` objects.

    With ``partial`` (autocomplete), required options may be missing."""
    definitions = command.get("options") or []
    resolved: Json = {}
    nested: list[Json] = []
    wrappers: list[Json] = []
    for name in path:
        sub = next((o for o in definitions if o["name"] == name
                    and o["type"] in (SUBCOMMAND, GROUP)), None)
        if sub is None:
            raise AssertionError(f"/{command['name']} has no subcommand {name!r}")
        wrappers.append({"type": sub["type"], "name": name, "options": []})
        definitions = sub.get("options") or []
    for key, value in values.items():
        definition = next((o for o in definitions if o["name"] == key), None)
        if definition is None:
            known = [o["name"] for o in definitions]
            raise AssertionError(f"/{command['name']} has no option {key!r}; it has {known}")
        nested.append({"type": definition["type"], "name": key,
                       "value": _value(definition, value, resolved, world)})
    missing = [o["name"] for o in definitions if o.get("required") and o["name"] not in values
               and o["type"] not in (SUBCOMMAND, GROUP)]
    if missing and not partial:
        raise AssertionError(f"/{command['name']} needs required option(s) {missing}")
    for wrapper in reversed(wrappers):
        wrapper["options"] = nested
        nested = [wrapper]
    return nested, resolved


def _value(definition: Json, value: Any, resolved: Json, world: World) -> Any:
    kind = definition["type"]
    if kind in CONVERTERS:
        value = CONVERTERS[kind](value)
        choices = [c["value"] for c in definition.get("choices") or []]
        if choices and value not in choices:
            raise AssertionError(f"{value!r} is not one of the choices {choices}")
        return value
    if isinstance(value, FakeUser):
        resolved.setdefault("users", {})[str(value.id)] = payloads.user_payload(value)
        resolved.setdefault("members", {})[str(value.id)] = payloads.member_payload(
            value, with_user=False, with_permissions=True)
    elif isinstance(value, FakeChannel):
        channel = payloads.channel_payload(value) | {"permissions": str(world.bot.permissions)}
        resolved.setdefault("channels", {})[str(value.id)] = channel
    elif isinstance(value, FakeFile):
        resolved.setdefault("attachments", {})[str(value.id)] = {
            "id": str(value.id), "filename": value.filename, "size": len(value.data),
            "url": value.url, "proxy_url": value.url, "content_type": value.content_type,
        }
    elif isinstance(value, FakeRole):
        resolved.setdefault("roles", {})[str(value.id)] = payloads.role_payload(value)
    return str(getattr(value, "id", value))


def focus(options: list[Json], name: str, typed: str) -> list[Json]:
    """Mark option ``name`` (in the innermost subcommand) as focused with the typed text;
    Discord sends what the user typed so far as a string, whatever the option's type."""
    if options and options[0]["type"] in (SUBCOMMAND, GROUP):
        return [options[0] | {"options": focus(options[0]["options"], name, typed)}]
    others = [o for o in options if o["name"] != name]
    return [*others, {"type": 3, "name": name, "value": typed, "focused": True}]


def modal_values(modal: Json, values: dict[str, str]) -> dict[str, str]:
    """``values`` keyed by text-input custom_id, accepting labels as keys too; checks
    required inputs and lengths as the Discord client would."""
    inputs: dict[str, tuple[Json, str | None]] = {}
    for component in walk_components(modal.get("components") or []):
        if component.get("type") == 18 and (component.get("component") or {}).get("type") == 4:
            inputs[component["component"]["custom_id"]] = (component["component"],
                                                           component.get("label"))
        elif component.get("type") == 4 and component["custom_id"] not in inputs:
            inputs[component["custom_id"]] = (component, component.get("label"))
    by_label = {label: custom_id for custom_id, (_, label) in inputs.items() if label}
    filled: dict[str, str] = {}
    for key, value in values.items():
        custom_id = key if key in inputs else by_label.get(key)
        if custom_id is None:
            raise AssertionError(f"modal has no input {key!r}; inputs: {sorted(inputs)} "
                                 f"labels: {sorted(by_label)}")
        filled[custom_id] = value
    for custom_id, (text_input, label) in inputs.items():
        value = filled.get(custom_id, text_input.get("value") or "")
        if text_input.get("required", True) and not value:
            raise AssertionError(f"modal input {label or custom_id!r} is required")
        if value and not (text_input.get("min_length") or 0) <= len(value) <= (
                text_input.get("max_length") or 4000):
            raise AssertionError(f"modal input {label or custom_id!r}: length {len(value)} "
                                 "is outside its min_length/max_length")
    return filled

"""Who a message the bot sends would actually ping, by Discord's ``allowed_mentions`` rules.

- Without ``allowed_mentions`` every ``<@id>`` in the content pings, and a reply pings the
  author of the message replied to.
- With ``allowed_mentions``, users ping only if ``"users"`` is in ``parse`` or their id is in
  ``users``; a reply pings its author only with ``replied_user: true``.

discord.py sends ``allowed_mentions`` when the client or the call sets it
(``AllowedMentions.none()`` -> ``{"parse": []}``, plus ``replied_user`` for replies).
"""

from __future__ import annotations

import re
from typing import Any

USER_MENTION = re.compile(r"<@!?(\d+)>")


def pinged_user_ids(body: dict[str, Any], *, replied_author_id: int | None = None) -> set[int]:
    """The user ids a message created from ``body`` would notify.

    ``replied_author_id`` is the author of ``body["message_reference"]``'s message, if any."""
    in_content = {int(m) for m in USER_MENTION.findall(body.get("content") or "")}
    allowed = body.get("allowed_mentions")
    if allowed is None:
        pinged = in_content
        reply_pings = True
    else:
        if "users" in (allowed.get("parse") or []):
            pinged = in_content
        else:
            pinged = in_content & {int(u) for u in allowed.get("users") or []}
        reply_pings = bool(allowed.get("replied_user", False))
    if replied_author_id is not None and reply_pings:
        pinged.add(replied_author_id)
    return pinged

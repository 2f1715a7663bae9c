"""Logging set-up: one format, one level, and secrets redacted from every record."""

from __future__ import annotations

import logging

REDACTED = "[redacted]"


class RedactSecrets(logging.Filter):
    """Replaces each secret (e.g. the bot token) wherever it appears in a formatted record."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 8]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        cleaned = message
        for secret in self.secrets:
            cleaned = cleaned.replace(secret, REDACTED)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            for secret in self.secrets:
                record.exc_text = record.exc_text.replace(secret, REDACTED)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def configure_logging(level: str, *, secrets: list[str] = ()) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        force=True,
    )
    redact = RedactSecrets(list(secrets))
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)

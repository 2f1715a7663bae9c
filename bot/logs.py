"""Logging set-up: one format, one level, and secrets redacted from every record."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

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


LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
ROTATE_BYTES = 10 * 1024 * 1024
ROTATE_KEEP = 5


def configure_logging(level: str, *, secrets: list[str] = (), file: Path | None = None) -> None:
    """One format and level for everything; optionally a rotating file; secrets redacted."""
    logging.basicConfig(level=getattr(logging, level.upper(), logging.INFO), format=LOG_FORMAT,
                        force=True)
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(file, maxBytes=ROTATE_BYTES, backupCount=ROTATE_KEEP,
                                      encoding="utf-8")
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        logging.getLogger().addHandler(handler)
    redact = RedactSecrets(list(secrets))
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)

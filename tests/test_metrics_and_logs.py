"""Operations: Prometheus metrics, the log file, and secrets scrubbed from every record."""

from __future__ import annotations

import logging

from bot.core.service import AnswerService
from bot.logs import REDACTED, RedactSecrets, configure_logging
from bot.metrics import Metrics
from bot.settings import Settings


def test_metrics_count_outcomes_and_latency(shipped_kb):
    service = AnswerService(shipped_kb)
    metrics = Metrics(service)
    service.ask("how much do ml engineers earn", via="test")
    service.ask("what is the capital of france", via="test")
    service.ask("how much does a nurse make", via="test")
    text = metrics.render().decode()
    assert 'careerbot_questions_total{outcome="answered"} 1.0' in text
    assert 'careerbot_questions_total{outcome="declined"} 1.0' in text
    assert 'careerbot_questions_total{outcome="off_topic"} 1.0' in text  # another job
    assert "careerbot_answer_latency_seconds_count 3.0" in text
    assert f"careerbot_knowledge_facts {float(len(shipped_kb.facts))}" in text


def test_secrets_are_redacted_in_messages_arguments_and_tracebacks():
    secret = "MTIzNDU2.secret.token-value"
    record = logging.LogRecord("discord.http", logging.DEBUG, __file__, 1,
                               "headers %s", ({"Authorization": f"Bot {secret}"},), None)
    RedactSecrets([secret]).filter(record)
    assert secret not in record.getMessage() and REDACTED in record.getMessage()
    try:
        raise RuntimeError(f"failed with {secret}")
    except RuntimeError:
        import sys

        failure = logging.LogRecord("bot", logging.ERROR, __file__, 1, "boom", (), sys.exc_info())
    RedactSecrets([secret]).filter(failure)
    assert secret not in failure.exc_text


def test_log_file_rotates_and_is_redacted(tmp_path):
    secret = "a-secret-token-123456"
    path = tmp_path / "logs" / "careerbot.log"
    configure_logging("INFO", secrets=[secret], file=path)
    try:
        logging.getLogger("bot.test").info("token is %s", secret)
        for handler in logging.getLogger().handlers:
            handler.flush()
        text = path.read_text()
        assert "token is [redacted]" in text and secret not in text
    finally:
        for handler in list(logging.getLogger().handlers):
            if getattr(handler, "baseFilename", None):
                logging.getLogger().removeHandler(handler)
                handler.close()


def test_sharding_settings():
    settings = Settings.from_env({"CAREERBOT_SHARD_COUNT": "4", "CAREERBOT_SHARD_IDS": "2,3",
                                  "CAREERBOT_METRICS_PORT": "9100"}, dotenv=False)
    assert settings.shard_count == 4 and settings.shard_ids == (2, 3)
    assert settings.metrics_port == 9100

"""Optional Prometheus metrics (`CAREERBOT_METRICS_PORT`): questions by outcome, answer
latency, knowledge base size. Needs the `metrics` extra (`pip install -e '.[metrics]'`)."""

from __future__ import annotations

import logging

from bot.core.answers import Answer
from bot.core.service import AnswerService

log = logging.getLogger(__name__)


class MetricsUnavailable(RuntimeError):
    pass


def outcome(answer: Answer) -> str:
    """A question's outcome as the metrics count it: "answered"; "off_topic", declined as
    about something the sources are not (another job, a place, a year); "declined", the
    knowledge base does not cover it (the questions to look at to grow it)."""
    if answer.answered:
        return "answered"
    return "off_topic" if answer.off_topic is not None else "declined"


class Metrics:
    """Registers CareerBot's metrics in their own registry (served by `bot.discord.health`)."""

    def __init__(self, service: AnswerService) -> None:
        try:
            import prometheus_client as prom
        except ImportError:  # pragma: no cover - depends on the environment
            raise MetricsUnavailable(
                "CAREERBOT_METRICS_PORT is set but prometheus-client is not installed: "
                "pip install -e '.[metrics]'"
            ) from None
        self._prom = prom
        self.registry = prom.CollectorRegistry()
        self.questions = prom.Counter(
            "careerbot_questions", "Questions by outcome", ["outcome"], registry=self.registry)
        self.latency = prom.Histogram(
            "careerbot_answer_latency_seconds", "Time to match a question",
            buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5),
            registry=self.registry)
        self.facts = prom.Gauge("careerbot_knowledge_facts", "Facts in the knowledge base",
                                registry=self.registry)
        self.facts.set_function(lambda: len(service.knowledge.facts))
        service.observers.append(self.observe)

    def observe(self, answer: Answer, latency: float) -> None:
        self.questions.labels(outcome(answer)).inc()
        self.latency.observe(latency)

    def render(self) -> bytes:
        return self._prom.generate_latest(self.registry)

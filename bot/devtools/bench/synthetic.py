"""A synthetic knowledge base for the speed bench: N distinct career facts, 10 phrasings each.

Everything is derived from the seed, so two runs with the same arguments see the same data.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.core.knowledge.models import Fact, KnowledgeBase

PHRASINGS_PER_FACT = 10
SYNTHETIC_SOURCE = "synthetic"
FACTS_PER_TOPIC = 100  # at least; the loader reads at most 200 topic files of 1 MB each
MAX_TOPICS = 200


def _split(options: str) -> tuple[str, ...]:
    return tuple(options.split("|"))


VERBS = _split(
    "learn|study|practise|master|brush up on|get certified in|teach myself|use|show off|"
    "get better at|pick up|prove skills in|write code in|keep up with|build projects in|revise"
)
SUBJECTS = _split(
    "python|pytorch|tensorflow|kubernetes|docker|sql|linear algebra|statistics|probability|"
    "feature engineering|model deployment|data pipelines|spark|airflow|git|unit testing|"
    "system design|gradient descent|transformers|computer vision|recommender systems|"
    "time series|ab testing|mlops|cloud computing|aws|google cloud|azure|rust|golang|java|"
    "scala|pandas|numpy|scikit-learn|reinforcement learning|nlp|fine tuning llms|"
    "data visualization|excel|tableau|bayesian methods|causal inference|optimization|"
    "distributed training|gpu programming|cuda|data labeling|experiment tracking|"
    "model monitoring|api design|microservices|kafka|graph databases|vector search|"
    "prompt engineering|ai ethics|data privacy|calculus|algorithms"
)
ROLES = _split(
    "machine learning engineer|data scientist|data engineer|data analyst|research scientist|"
    "mlops engineer|software engineer|backend developer|ai product manager|nlp engineer|"
    "vision engineer|analytics engineer|bi analyst|quant researcher|platform engineer|"
    "deep learning researcher|robotics engineer|ai consultant"
)
CONTEXTS = _split(
    "before an interview|in my first year|without a degree|while working full time|"
    "on a tight budget|after a bootcamp|for a remote job|at a startup|at a big company|"
    "as a career changer|in six months|for an internship|during a phd|after teaching|"
    "for a promotion|for my portfolio|as a freelancer|with no experience|at a bank|"
    "in healthcare|in government|at a nonprofit|from abroad|after a layoff|at age forty"
)
TEMPLATES = (
    "{Verb} {subject} as a {role} {context}?",
    "How do I {verb} {subject} as a {role} {context}?",
    "What is the best way to {verb} {subject} {context} if I want to be a {role}?",
    "Should a {role} {verb} {subject} {context}?",
    "Is it worth it to {verb} {subject} {context} for a {role} job?",
    "Where can I {verb} {subject} {context} to become a {role}?",
    "Any tips to {verb} {subject} {context} as an aspiring {role}?",
    "How long does it take to {verb} {subject} {context} as a {role}?",
    "Do I need to {verb} {subject} {context} to work as a {role}?",
    "Can you help me {verb} {subject} {context} on the way to a {role} role?",
)
UNRELATED = (
    "What is the weather like in {place} tomorrow?",
    "How do I bake {food} without an oven?",
    "Who won the {sport} game last night?",
    "What time does the {shop} near {place} close?",
    "Can you recommend a good {genre} movie?",
    "Is {food} healthy to eat every day?",
)
PLACES = _split("paris|lagos|osaka|lima|oslo|denver|cairo|perth")
FOODS = _split("banana bread|lasagna|sourdough|pancakes|brownies|dumplings")
SPORTS = _split("football|cricket|hockey|tennis|basketball")
SHOPS = _split("pharmacy|bakery|post office|hardware store")
GENRES = _split("horror|comedy|science fiction|romance|documentary")


@dataclass(frozen=True, slots=True)
class SpeedQuery:
    text: str
    expected: str | None  # the fact a perturbed phrasing came from; None for unrelated questions


def max_facts() -> int:
    """The most facts the generator makes (half the slot combinations, so sampling stays quick)."""
    return len(VERBS) * len(SUBJECTS) * len(ROLES) * len(CONTEXTS) // 2


def generate_facts(n: int, seed: int = 0) -> list[Fact]:
    """``n`` distinct facts, each with a canonical question and 9 alternates."""
    if not 1 <= n <= max_facts():
        raise ValueError(f"the synthetic knowledge base holds 1 to {max_facts():,} facts, not {n}")
    rng = random.Random(f"facts-{seed}")
    per_topic = max(FACTS_PER_TOPIC, math.ceil(n / MAX_TOPICS))
    seen: set[tuple[str, str, str, str]] = set()
    facts = []
    while len(facts) < n:
        slots = (rng.choice(VERBS), rng.choice(SUBJECTS), rng.choice(ROLES), rng.choice(CONTEXTS))
        if slots in seen:
            continue
        seen.add(slots)
        verb, subject, role, context = slots
        fill = {
            "verb": verb,
            "Verb": verb.capitalize(),
            "subject": subject,
            "role": role,
            "context": context,
        }
        question, *alternates = (t.format(**fill) for t in TEMPLATES)
        i = len(facts)
        facts.append(
            Fact(
                id=f"syn-{i:06d}",
                topic=f"synthetic-{i // per_topic:03d}",
                question=question,
                alternates=tuple(alternates),
                answer=f"Synthetic answer {i}: how a {role} can {verb} {subject} {context}.",
            )
        )
    return facts


def _perturb(text: str, rng: random.Random) -> str:
    """One or two edits a person might make: drop a word, swap two words, make a typo."""
    words = text.rstrip("?").split()
    for _ in range(rng.randint(1, 2)):
        edit = rng.choice(("drop", "swap", "typo"))
        if edit == "drop" and len(words) > 4:
            del words[rng.randrange(len(words))]
        elif edit == "swap" and len(words) > 2:
            i = rng.randrange(len(words) - 1)
            words[i], words[i + 1] = words[i + 1], words[i]
        else:
            long = [i for i, w in enumerate(words) if len(w) >= 5] or [0]
            i = rng.choice(long)
            w = words[i]
            j = rng.randrange(1, max(2, len(w) - 1))
            words[i] = w[:j] + w[j + 1 :] if rng.random() < 0.5 else w[:j] + w[j] + w[j:]
    return " ".join(words) + ("?" if rng.random() < 0.5 else "")


def _unrelated(rng: random.Random) -> str:
    return rng.choice(UNRELATED).format(
        place=rng.choice(PLACES),
        food=rng.choice(FOODS),
        sport=rng.choice(SPORTS),
        shop=rng.choice(SHOPS),
        genre=rng.choice(GENRES),
    )


def generate_queries(
    facts: list[Fact], count: int, seed: int = 0, *, unrelated_share: float = 0.2, stream: str = ""
) -> list[SpeedQuery]:
    """Perturbed phrasings of random facts, and some unrelated questions (``expected`` None)."""
    rng = random.Random(f"queries-{seed}-{stream}")
    out = []
    for _ in range(count):
        if rng.random() < unrelated_share:
            out.append(SpeedQuery(_unrelated(rng), None))
        else:
            fact = rng.choice(facts)
            out.append(SpeedQuery(_perturb(rng.choice(fact.phrasings), rng), fact.id))
    return out


def generate_prefixes(facts: list[Fact], count: int, seed: int = 0, stream: str = "") -> list[str]:
    """What people have typed so far: the first 1-4 words of a phrasing, maybe a word begun."""
    rng = random.Random(f"prefixes-{seed}-{stream}")
    out = []
    for _ in range(count):
        words = rng.choice(rng.choice(facts).phrasings).rstrip("?").split()
        k = rng.randint(1, min(4, len(words) - 1))
        typed = " ".join(words[:k])
        out.append(typed + (" " + words[k][: rng.randint(1, 3)] if rng.random() < 0.5 else " "))
    return out


def write_yaml(knowledge: KnowledgeBase, root: Path) -> None:
    """Write ``knowledge`` as a knowledge directory (sources.yaml + topics/*.yaml)."""
    dump = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    root.mkdir(parents=True, exist_ok=True)
    (root / "topics").mkdir(exist_ok=True)
    sources = {"sources": [{"id": SYNTHETIC_SOURCE, "title": "Synthetic speed-bench data"}]}
    (root / "sources.yaml").write_text(yaml.dump(sources, Dumper=dump), encoding="utf-8")
    for topic in knowledge.topics:
        facts = [knowledge.facts[i] for i in topic.fact_ids]
        data = {
            "topic": topic.id,
            "title": topic.title,
            "facts": [
                {
                    "id": f.id,
                    "question": f.question,
                    "alternates": list(f.alternates),
                    "answer": f.answer,
                    "citations": [{"source": SYNTHETIC_SOURCE, "quote": f.answer}],
                }
                for f in facts
            ],
        }
        text = yaml.dump(data, Dumper=dump, sort_keys=False, allow_unicode=True, width=1000)
        (root / "topics" / f"{topic.id}.yaml").write_text(text, encoding="utf-8")

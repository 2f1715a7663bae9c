"""Small knowledge files for tests, and a helper that writes them."""

from __future__ import annotations

import textwrap
from pathlib import Path

from bot.core.knowledge.loader import bundled_knowledge_dir

SOURCES = """\
sources:
  - id: article
    title: An article about ML careers
    publisher: Example
    published: "2024-04-26"
    url: null
    note: test source
    document: article.txt
"""

PAY = """\
topic: pay
title: Pay
facts:
  - id: average-pay
    question: How much does a machine learning engineer earn?
    alternates:
      - ml engineer salary
      - how much do mles make
    keywords: [salary]
    answer: |
      About $127,712 a year on average in the US (March 2024).
    citations:
      - source: article
        quote: The average base pay is $127,712
    related: [degree]
"""

PATH = """\
topic: path
title: The path in
facts:
  - id: degree
    question: What degree do I need to become a machine learning engineer?
    alternates:
      - do i need a degree for ml
      - which degree for mle
    answer: A bachelor's degree in computer science or a related field, at least.
    citations:
      - source: article
        quote: require a bachelor's degree
"""


MATCHING = (bundled_knowledge_dir() / "matching.yaml").read_text(encoding="utf-8")
"""The shipped subject, topic words and synonyms: the samples are about ML careers too."""


def write_kb(root: Path, files: dict[str, str], *, vocabulary: bool = True) -> Path:
    """Write a knowledge directory: keys are paths relative to root ('topics/pay.yaml'); with
    `vocabulary`, the shipped `matching.yaml` too unless `files` has one."""
    if vocabulary and "matching.yaml" not in files:
        files = {**files, "matching.yaml": MATCHING}
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root

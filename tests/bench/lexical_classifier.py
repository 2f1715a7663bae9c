"""How far a trained lexical classifier gets on a benchmark file: a yardstick for the matcher.

    pip install scikit-learn   # not a project dependency: this is an experiment, not the bot
    python -m tests.bench.lexical_classifier --dataset ../shared/benchmarks/clinc150_faq.json

Trains a logistic regression on each entry's phrasings (TF-IDF over character 2-5-grams within
words and word 1-2-grams, sublinear term frequencies: the usual strong lexical text classifier)
and scores the queries as `bench quality` does: raw top-1, and the most in-scope top-1 a
threshold on the winning class's probability gets while declining the issue's share of out of
scope (`bot.devtools.bench.baselines.threshold_declining`). It asks whether a better lexical
scorer than CareerBot's would reach a target that no threshold on CareerBot's score reaches. The
classifier sees only the entries; the regularisation `C` is fixed, not tuned on the queries.
"""

from __future__ import annotations

import argparse
import sys

from bot.devtools.bench.baselines import Outcome, answered, threshold_declining
from bot.devtools.bench.datasets import load_dataset
from bot.devtools.bench.quality import CLINC150_DECLINED_GOAL, decline_goal


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--c", type=float, default=10.0, help="inverse regularisation")
    args = parser.parse_args(argv)
    try:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_union
    except ImportError:
        print("this yardstick needs scikit-learn: pip install scikit-learn", file=sys.stderr)
        return 2
    dataset = load_dataset(args.dataset)
    texts = [p for e in dataset.entries for p in e.phrasings]
    labels = [e.id for e in dataset.entries for _ in e.phrasings]
    features = make_union(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
    )
    model = LogisticRegression(C=args.c, max_iter=2000).fit(features.fit_transform(texts), labels)
    probabilities = model.predict_proba(features.transform([q.text for q in dataset.queries]))
    outcomes = [
        Outcome(str(model.classes_[row.argmax()]), float(row.max()), q.expected)
        for q, row in zip(dataset.queries, probabilities, strict=True)
    ]
    inside = [o for o in outcomes if o.expected]
    outside = [o for o in outcomes if not o.expected]
    raw = sum(o.top in o.expected for o in inside) / len(inside)
    print(f"{dataset.name}: {len(dataset.entries)} entries, {len(dataset.queries)} queries")
    print(f"TF-IDF logistic regression (C={args.c:g}): raw top-1 {raw:.1%}")
    goal = decline_goal(dataset.name) or (CLINC150_DECLINED_GOAL if outside else None)
    if goal is not None:
        threshold = threshold_declining(outcomes, goal)
        right = sum(answered(o, threshold) and o.top in o.expected for o in inside)
        declined = sum(not answered(o, threshold) for o in outside)
        print(
            f"  declining {goal:.0%} of out of scope: in-scope top-1 {right / len(inside):.1%},"
            f" out of scope declined {declined / len(outside):.1%} (threshold {threshold:.3f})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

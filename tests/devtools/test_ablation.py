"""The matcher's hand rules by name, and `bench ablation`, which turns each off in turn."""

from __future__ import annotations

import json

import pytest

from bot.core.matching import Matcher
from bot.core.matching.rules import RULES, Rules
from bot.devtools.bench.ablation import ALL_ON, GoldSet, format_ablation, run_ablation
from bot.devtools.bench.datasets import parse_dataset
from bot.devtools.evaluation import GoldQuestion
from tests.devtools.bench.shared import TINY, run_cli, write


def test_rules_are_all_on_by_default_and_unknown_names_are_refused():
    assert all(name in Rules() for name in RULES)
    assert "scope" not in Rules(off=frozenset({"scope"}))
    with pytest.raises(ValueError, match=r"unknown rule.*nope.*known: scope"):
        Rules(off=frozenset({"nope"}))


@pytest.mark.parametrize(
    ("rule", "question", "with_rule", "without"),
    [
        ("scope", "how much does a nurse make", None, "average-salary"),
        ("typo-correction", "machien lerning enginer salery", "average-salary", None),
        ("subject-word", "who are you", None, "who-do-ml-engineers-work-with"),
    ],
)
def test_turning_a_rule_off_changes_what_it_decides(shipped_kb, rule, question, with_rule, without):
    def answer(rules: Rules) -> str | None:
        result = Matcher(shipped_kb, semantic=None, rules=rules).match(question)
        return result.fact.id if result.fact else None

    assert answer(Rules()) == with_rule
    assert answer(Rules(off=frozenset({rule}))) == without


def test_ablation_measures_every_set_with_each_rule_off(shipped_kb):
    gold = GoldSet("tiny-gold.yaml", [
        GoldQuestion("ml engineer salary in the uk", ()),
        GoldQuestion("machien lerning enginer salery", ("average-salary",)),
    ])
    dataset = parse_dataset(TINY)
    lines: list[str] = []
    rows = run_ablation(shipped_kb, [gold], [dataset], rules=["scope", "typo-correction"],
                        progress=lines.append)
    assert [row.rule for row in rows] == [ALL_ON, "scope", "typo-correction"]
    assert len(lines) == 3 and all(len(row.figures) == 2 for row in rows)
    base, no_scope, no_typos = (row.figures[0] for row in rows)
    assert (base.right, base.declined_out) == (1.0, 1.0)
    assert (no_scope.right, no_scope.declined_out) == (1.0, 0.0)  # the UK pay question is answered
    assert no_typos.right == 0.0
    stack = rows[0].figures[1]
    assert 0.0 <= stack.right <= 1.0 and stack.declined_out == 1.0  # TINY has one off-topic query
    table = format_ablation(rows, [gold.name, dataset.name])
    assert table.splitlines()[0].startswith("| rule off | tiny-gold right / wrong / declined out")
    assert "| scope | 100.0 / 0.0 / 0.0 (+0.0 / +0.0 / -100.0) |" in table


def test_cli_ablation_refuses_an_unknown_rule_and_prints_json(tmp_path, capsys):
    assert run_cli(["bench", "ablation", "--rules", "scope,nope"]) == 2
    assert "unknown rule(s): nope" in capsys.readouterr().err
    gold = tmp_path / "gold.yaml"
    gold.write_text("answerable:\n  - q: mle salary\n    expect: [average-salary]\n"
                    "out_of_scope:\n  - q: how much does a nurse make\n", encoding="utf-8")
    argv = ["bench", "ablation", "--rules", "scope", "--gold", str(gold),
            "--dataset", str(write(tmp_path, TINY)), "--json"]
    assert run_cli(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert [row["rule"] for row in data] == [ALL_ON, "scope"]
    assert data[0]["sets"][str(gold)] == {"right": 1.0, "wrong": 0.0, "declined_out": 1.0}
    assert set(data[1]["sets"]) == {str(gold), TINY["name"]}


"""The command line, run as a user would (`python -m bot ...` in a subprocess)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from bot.core.knowledge.loader import bundled_knowledge_dir

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, stdin: str | None = None, env: dict | None = None):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "CAREERBOT_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=ROOT, input=stdin, capture_output=True,
        text=True, timeout=120, env={**base, **(env or {})},
    )


def test_ask_prints_answer_and_sources():
    result = run("ask", "how much do ML engineers make?")
    assert result.returncode == 0
    assert "$127,712" in result.stdout
    assert "Sources:" in result.stdout


def test_ask_says_which_side_of_a_comparison_it_answers():
    result = run("ask", "ml engineer vs software engineer salary")
    assert result.returncode == 0
    assert ("My sources are about machine learning, not software engineer, so this answers the"
            in result.stdout)
    assert "$127,712" in result.stdout
    data = json.loads(run("ask", "--json", "ml engineer vs software engineer salary").stdout)
    assert data["not_covered"] == {"kind": "role", "what": "software engineer"}


def test_ask_json_shape():
    result = run("ask", "--json", "what degree do i need to become an ml engineer")
    data = json.loads(result.stdout)
    assert set(data) == {"question", "answered", "fact_id", "confidence", "answer", "citations",
                         "suggestions", "off_topic", "not_covered", "also"}
    assert data["answered"] is True and data["off_topic"] is None and data["also"] == []
    assert data["not_covered"] is None
    citation = data["citations"][0]
    assert set(citation) == {"source_id", "title", "publisher", "published", "url", "quote",
                             "via", "verified"}
    assert citation["verified"] is True  # the shipped sources carry fingerprints


def test_ask_json_stdin_one_line_per_question_in_order():
    questions = ["what is machine learning", "how much does a nurse make", "", "🤔🤔"]
    result = run("ask", "--json", "-", stdin="\n".join(questions) + "\n")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["question"] for line in lines] == questions
    assert lines[0]["answered"] and not lines[1]["answered"]
    assert lines[1]["fact_id"] is None and lines[1]["answer"] is None
    assert lines[1]["off_topic"] == {"kind": "role", "what": "nurse"}  # why it is declined


def test_ask_json_gives_each_question_of_a_line_its_answer():
    question = "how much do ml engineers make and do i need a masters?"
    data = json.loads(run("ask", "--json", question).stdout)
    assert (data["question"], data["fact_id"]) == (question, "average-salary")
    assert [(a["question"], a["fact_id"]) for a in data["also"]] == [
        ("do i need a masters?", "masters-or-phd")]
    assert data["also"][0]["citations"] and data["also"][0]["also"] == []


def test_chat_answers_each_line_when_not_a_terminal():
    result = run("chat", stdin="what skills do i need\nquit\n")
    assert result.returncode == 0
    assert "Sources:" in result.stdout


def test_no_token_starts_the_console_and_says_so():
    result = run(stdin="what is ml\n")
    assert "starting the offline console" in result.stderr
    assert "Sources:" in result.stdout


def test_validate_ok_and_broken(tmp_path):
    assert run("validate").returncode == 0
    broken = tmp_path / "kb"
    (broken / "topics").mkdir(parents=True)
    (broken / "sources.yaml").write_text("sources: [")
    (broken / "topics" / "pay.yaml").write_bytes(b"\xff\xfe not utf-8")
    result = run("validate", "--knowledge", str(broken))
    assert result.returncode == 1
    assert "invalid YAML" in result.stdout
    assert "not UTF-8" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_ask_with_broken_knowledge_is_a_clear_error(tmp_path):
    result = run("ask", "--knowledge", str(tmp_path / "missing"), "hi")
    assert result.returncode == 1
    assert "not valid" in result.stderr
    assert "Traceback" not in result.stderr


def test_eval_prints_the_shares():
    result = run("eval")
    assert result.returncode == 0
    assert "answered correctly" in result.stdout
    assert "right fact suggested" in result.stdout
    assert "right fact ranked first" in result.stdout
    assert "out of scope declined" in result.stdout


def test_eval_without_the_model_and_on_canonical_questions_only():
    lexical = run("eval", "--lexical")
    assert lexical.returncode == 0 and "lexical only" in lexical.stdout
    cut = run("eval", "--questions-only")
    assert cut.returncode == 0
    assert "meaning + lexical, each fact's canonical question only" in cut.stdout
    assert "target >= 85%" in cut.stdout and "target <= 3%" in cut.stdout  # issue 14's own
    assert "target >= 95%" in lexical.stdout

    def correct(output: str) -> float:
        line = next(x for x in output.splitlines() if "answered correctly" in x)
        return float(line.split()[2].rstrip("%"))

    # one phrasing per fact reaches far fewer questions than the full knowledge base
    assert correct(cut.stdout) < correct(lexical.stdout) - 20


def test_eval_on_the_set_mistyped():
    result = run("eval", "--lexical", "--typos", "0.3", "--seed", "4")
    assert result.returncode == 0
    assert "(771 answerable, 210 out of scope" in result.stdout  # three copies of 257 + 70
    assert "mistyped at 30%, seeds 4-6" in result.stdout
    refused = run("eval", "--typos", "1.5")
    assert refused.returncode == 2 and "between 0 and 1" in refused.stderr


REAL_QUOTE = "The average base pay for a machine learning engineer in the US is $127,712"


def test_validate_reports_an_invented_quote_without_the_documents(tmp_path):
    knowledge = tmp_path / "knowledge"
    shutil.copytree(bundled_knowledge_dir(), knowledge)
    pay = knowledge / "topics" / "pay.yaml"
    assert REAL_QUOTE in pay.read_text()
    pay.write_text(pay.read_text().replace(REAL_QUOTE, REAL_QUOTE.replace("127,712", "172,127")))
    result = run("validate", "--knowledge", str(knowledge))
    assert result.returncode == 1
    assert "quote not found in the text of 'ml-engineer-article-2024'" in result.stdout
    assert "$172,127" in result.stdout and "topics/pay.yaml" in result.stdout


def test_fingerprint_builds_from_documents_then_validate_checks_against_them(tmp_path):
    knowledge = tmp_path / "knowledge"
    shutil.copytree(bundled_knowledge_dir(), knowledge)
    documents = tmp_path / "documents"
    documents.mkdir()
    for name in ("000_28ec9d60277d23fe.txt", "001_5f3ad8c3eff7e38f.txt"):
        (documents / name).write_text("A different article altogether.")
    built = run("fingerprint", "--knowledge", str(knowledge), "--documents", str(documents))
    assert built.returncode == 0, built.stdout + built.stderr
    assert "fingerprints/ml-engineer-article-2024.txt: written" in built.stdout
    again = run("fingerprint", "--knowledge", str(knowledge), "--documents", str(documents))
    assert "fingerprints/ml-engineer-article-2024.txt: unchanged" in again.stdout
    result = run("validate", "--knowledge", str(knowledge))
    assert result.returncode == 1 and "quote not found" in result.stdout  # not in these texts
    missing = run("fingerprint", "--knowledge", str(knowledge), "--documents", str(tmp_path / "x"))
    assert missing.returncode == 2 and "documents folder not found" in missing.stderr



def test_chat_keeps_the_conversation_and_answers_small_talk():
    """The console is a direct message to the bot: "hi" gets the greeting, a follow-up is read
    in the context of the last answer, and its answers are the same as the bot's."""
    result = run("chat", stdin="hi\nhow much do ml engineers make\nand in 2022?\n"
                               "who are you\nthanks\n")
    assert result.returncode == 0, result.stderr
    replies = result.stdout.strip().split("\n\n")
    assert replies[0].startswith("Hi! I answer questions about becoming a machine learning")
    assert "*" not in replies[0]  # no markdown in a terminal
    assert "$125,672" in result.stdout and "June 2022" in result.stdout
    follow = next(r for r in replies if r.startswith("Q: ") and r is not replies[1])
    assert follow.startswith("Q: How much does a machine learning engineer earn in the US?")
    assert "I'm CareerBot" in result.stdout and "/ask" not in result.stdout
    assert "You're welcome!" in result.stdout
    assert "I don't know that one" not in result.stdout

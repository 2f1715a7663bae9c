"""The offline console's conversation (`bot.cli.console`): as a direct message to the bot."""

from __future__ import annotations

from bot import texts
from bot.cli.console import Console
from bot.core.conversation import Context


def test_a_number_picks_what_the_last_reply_offered(shipped_semantic_service):
    console = Console(shipped_semantic_service)
    declined = console.reply("ml engineer salary in the uk")
    assert declined.startswith("My sources give no figures for uk.")
    assert "  1. How much does a machine learning engineer earn in the US?" in declined
    picked = console.reply("1")
    assert picked.startswith("Q: How much does a machine learning engineer earn in the US?")
    assert "Related: 1. " in picked
    related = console.offers
    second = console.reply("2")
    assert second.startswith(f"Q: {shipped_semantic_service.fact(related[1]).question}")


def test_a_number_with_nothing_offered_is_asked_as_a_question(shipped_semantic_service):
    console = Console(shipped_semantic_service)
    assert console.offers == []
    assert console.reply("1").startswith(texts.DECLINE)


def test_a_follow_up_is_read_in_the_context_of_the_last_answer(shipped_semantic_service):
    console = Console(shipped_semantic_service)
    assert console.reply("and in 2022?").startswith(texts.DECLINE)  # nothing to follow yet
    console.reply("how much do ml engineers make")
    assert console.reply("and in 2022?").startswith(
        "Q: How much does a machine learning engineer earn in the US?")
    # a picked offer is the context too, as the bot's buttons are
    console.reply("do i need a degree")
    first_related = console.offers[0]
    console.reply("1")
    assert console.memory.recall(0, 0).fact_id == first_related


def test_a_question_complete_in_itself_starts_the_context_anew(shipped_semantic_service):
    """Only a follow-up read in context joins the questions before it: three questions in a
    row used to pile up ("... make ... for free ...") until any decline read as pay "for
    free" and said "My sources give no figures for free"."""
    console = Console(shipped_semantic_service)
    console.reply("how much do ml engineers make")
    console.reply("where can i learn ml for free")
    assert console.memory.recall(0, 0).question == "where can i learn ml for free"
    declined = console.reply("what is deep learning")
    assert declined.startswith(texts.DECLINE) and "free" not in declined


def test_what_people_say_after_an_answer_is_not_read_as_a_follow_up(shipped_semantic_service):
    """"ok", "good bot" and "that's wrong" ask nothing: read as follow-ups they got the
    answer before them, or a neighbour of it, again. Each gets its short reply, and the
    context stays for a real follow-up."""
    console = Console(shipped_semantic_service)
    console.reply("how much do ml engineers make")
    assert console.reply("ok") == texts.SMALL_TALK["acknowledged"]
    assert console.reply("good bot") == texts.SMALL_TALK["praise"]
    assert console.reply("that's wrong") == texts.CONSOLE_CORRECTION
    assert console.reply("and in 2022?").startswith(
        "Q: How much does a machine learning engineer earn in the US?")


def test_each_question_of_a_line_is_answered_and_what_they_offer_numbered_on(
        shipped_semantic_service):
    console = Console(shipped_semantic_service)
    reply = console.reply("how much do ml engineers make and do i need a masters?")
    assert reply.startswith("Q: How much does a machine learning engineer earn in the US?")
    assert "\nQ: Do I need a master's or PhD to be a machine learning engineer?" in reply
    first = shipped_semantic_service.ask("how much do ml engineers make", via="t",
                                         record=False)
    later = len(first.related) + 1  # the second answer's first related question
    assert f"Related: {later}. " in reply
    # a follow-up follows the last answer shown
    assert console.memory.recall(0, 0) == Context("do i need a masters?", "masters-or-phd")
    picked = console.offers[later - 1]
    assert console.reply(str(later)).startswith(
        f"Q: {shipped_semantic_service.fact(picked).question}")


def test_tell_me_more_lists_the_related_questions_and_a_number_picks_one(
        shipped_semantic_service):
    console = Console(shipped_semantic_service)
    console.reply("what does an ml engineer do")
    related = shipped_semantic_service.fact("what-does-an-ml-engineer-do").related
    more = console.reply("tell me more")
    assert more.startswith(texts.MORE_ABOUT)
    assert console.offers == list(related)[:3]
    assert console.reply("1").startswith(
        f"Q: {shipped_semantic_service.fact(related[0]).question}")


def test_small_talk_gets_its_reply_without_markdown(shipped_semantic_service):
    console = Console(shipped_semantic_service)
    hello = console.reply("hi there")
    assert hello.startswith("Hi! I answer questions") and "*" not in hello
    who = console.reply("who are you")
    assert who == texts.CONSOLE_WHO and "/ask" not in who


def test_asking_what_it_knows_lists_the_topics_not_a_decline(shipped_semantic_service):
    console = Console(shipped_semantic_service)
    reply = console.reply("what do you know about?")
    assert not reply.startswith(texts.DECLINE)
    topics = shipped_semantic_service.knowledge.topics
    assert texts.topics_sentence(topics) in reply and topics[0].title in reply
    assert "/ask" not in reply  # the console's own way of asking, not Discord's

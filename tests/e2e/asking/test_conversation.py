"""Conversation and small talk over the real wire: a follow-up from the same person is read in
the context of the answer just given; a reply to an answer carries that answer's context; the
context is never another person's and expires; greetings and thanks get a short reply and are
not recorded as questions."""

from __future__ import annotations

from bot import texts
from tests.e2e.asking.shared import PAY_QUESTION

FOLLOW_UP = "and in 2022?"


def fact_of(reply) -> str | None:
    votes = [c for c in reply.custom_ids if c.startswith("cb:vote:")]
    return votes[0].split(":")[2] if votes else None


async def test_a_follow_up_is_read_in_the_context_of_the_last_answer(careerbot):
    h = careerbot
    alice, general = h.user("alice"), h.channel("general")
    alone = await h.say(alice, general, FOLLOW_UP, mention_bot=True)
    assert fact_of(alone) is None  # no context yet: "and in 2022?" is not a question alone
    first = await h.say(alice, general, PAY_QUESTION, mention_bot=True)
    assert fact_of(first) == "average-salary"
    then = await h.say(alice, general, FOLLOW_UP, mention_bot=True)
    assert fact_of(then) == "average-salary"
    assert "2022" in then.text
    # Another person's follow-up in the same channel is not read in alice's context...
    other = await h.say(h.user("bob"), general, FOLLOW_UP, mention_bot=True)
    assert fact_of(other) is None
    # A follow-up about nothing the knowledge base knows is not the answer again.
    assert fact_of(await h.say(alice, general, "whats your favorite color",
                               mention_bot=True)) is None
    # ...and a self-contained question after the answer is answered as itself.
    new = await h.say(alice, general, "what is machine learning?", mention_bot=True)
    assert fact_of(new) == "what-is-machine-learning"


async def test_only_a_follow_up_carries_the_questions_before_it(careerbot):
    """A question complete in itself starts the context anew: the words of the questions
    before it ("... make ...", "... for free") never reach a later one, which used to be
    declined as asking pay figures "for free"."""
    h = careerbot
    alice, general = h.user("alice"), h.channel("general")
    await h.say(alice, general, PAY_QUESTION, mention_bot=True)
    course = await h.say(alice, general, "where can i learn ml for free", mention_bot=True)
    assert fact_of(course) == "stanford-ml-specialization"
    declined = await h.say(alice, general, "what is deep learning", mention_bot=True)
    assert fact_of(declined) is None
    assert "figures" not in declined.text + str(declined.embeds)


async def test_a_reply_to_an_answer_carries_its_context(careerbot):
    h = careerbot
    general = h.channel("general")
    degree = await h.say(h.user("alice"), general, "do i need a degree to become an ml engineer",
                         mention_bot=True)
    assert fact_of(degree) == "degree-required"
    # bob replies to alice's answer (no mention needed: a reply to the bot addresses it).
    phd = await h.say(h.user("bob"), general, "and a phd?", reply_to=degree)
    assert fact_of(phd) == "masters-or-phd"


async def test_doubting_an_answer_gets_it_again_with_its_sources(careerbot):
    h = careerbot
    alice, general = h.user("alice"), h.channel("general")
    role = await h.say(alice, general, "what does an ml engineer do", mention_bot=True)
    assert fact_of(role) == "what-does-an-ml-engineer-do"
    doubt = await h.say(alice, general, "really?", mention_bot=True)
    assert fact_of(doubt) == "what-does-an-ml-engineer-do"
    source = await h.say(h.user("bob"), general, "source?", reply_to=role)
    assert fact_of(source) == "what-does-an-ml-engineer-do"
    assert "Coursera" in str(source.embeds)
    # With no answer to doubt, it is not a question about anything.
    alone = await h.say(alice, h.channel("careers"), "really?", mention_bot=True)
    assert fact_of(alone) is None


async def test_asking_whether_the_answer_is_so_gets_it_again(careerbot):
    """ "is that base or total comp?" after the pay answer: the answer says "base pay", so it
    is the reply; matched as a question of its own it was declined. A mistyped, chatty
    "senior" pay question is declined with why (no figures for seniors)."""
    h = careerbot
    alice, general = h.user("alice"), h.channel("general")
    assert fact_of(await h.say(alice, general, PAY_QUESTION, mention_bot=True)) == \
        "average-salary"
    again = await h.say(alice, general, "is that base or total comp?", mention_bot=True)
    assert fact_of(again) == "average-salary"
    assert "base" in str(again.embeds)
    senior = await h.say(h.user("bob"), general, "ngl whats a senior mle salary tbh",
                         mention_bot=True)
    assert fact_of(senior) is None
    assert "senior" in senior.text + str(senior.embeds)


async def test_tell_me_more_offers_the_related_questions_as_buttons(careerbot):
    h = careerbot
    alice, general = h.user("alice"), h.channel("general")
    await h.say(alice, general, "what does an ml engineer do", mention_bot=True)
    more = await h.say(alice, general, "tell me more", mention_bot=True)
    related = h.bot.service.fact("what-does-an-ml-engineer-do").related
    assert more.embeds[0]["title"] == texts.MORE_TITLE
    offered = [c.split(":")[2] for c in more.custom_ids if c.startswith("cb:fact:")]
    assert offered == list(related)[:3]
    picked = await h.click(alice, more, next(c for c in more.custom_ids
                                             if c.startswith(f"cb:fact:{related[0]}:")))
    assert h.bot.service.fact(related[0]).question in str(picked.data)
    # Still the answer's context; and not a question the bot missed.
    assert fact_of(await h.say(alice, general, "really?", mention_bot=True)) == \
        "what-does-an-ml-engineer-do"
    await h.bot.database.flush()
    assert await h.bot.database.missed_questions() == []


async def test_the_context_expires(careerbot):
    h = careerbot
    alice, general = h.user("alice"), h.channel("general")
    await h.say(alice, general, PAY_QUESTION, mention_bot=True)
    h.bot.get_cog("Questions").conversations.seconds = 0.0
    later = await h.say(alice, general, FOLLOW_UP, mention_bot=True)
    assert fact_of(later) is None


async def test_small_talk_gets_a_short_reply_and_is_not_a_missed_question(careerbot,
                                                                          fake_discord):
    h = careerbot
    alice, general = h.user("alice"), h.channel("general")
    hello = await h.say(alice, general, "hi!", mention_bot=True)
    assert "machine learning engineer" in hello.text and not hello.embeds
    thanks = await h.say(alice, general, "thanks a lot 🙏", mention_bot=True)
    assert "welcome" in thanks.text
    who = await h.say(alice, general, "who are you?", mention_bot=True)
    assert "CareerBot" in who.text
    # "help" by mention gets /help's text: how to ask, and what can be asked.
    help_ = await h.say(alice, general, "what can I ask you?", mention_bot=True)
    assert "/ask" in help_.text and not help_.embeds
    assert all(topic.title in help_.text for topic in h.bot.service.knowledge.topics)
    # After an answer, "ok", "good bot" and "that's wrong" ask nothing: a short reply each
    # (the correction says how to get an answer fixed), not the answer again.
    await h.say(alice, general, "what is machine learning?", mention_bot=True)
    ok = await h.say(alice, general, "ok", mention_bot=True)
    assert ok.text == texts.SMALL_TALK["acknowledged"] and not ok.embeds
    praise = await h.say(alice, general, "good bot", mention_bot=True)
    assert praise.text == texts.SMALL_TALK["praise"]
    wrong = await h.say(alice, general, "that's wrong", mention_bot=True)
    assert wrong.text == texts.CORRECTION_NOTED and not wrong.embeds
    # Where the bot speaks unprompted, a "thanks" is not for it.
    careers = h.channel("careers")
    since = fake_discord.mark()
    await h.post(alice, careers, "thanks!")
    last = await h.say(alice, careers, "what is machine learning?")
    assert fact_of(last) == "what-is-machine-learning"
    assert len(fake_discord.find_requests("POST", "/channels/*/messages", since=since)) == 1
    await h.bot.database.flush()
    # No small talk is queued: only the question whose answer alice said was wrong.
    assert [q for q, _, _ in await h.bot.database.missed_questions()] == [
        "what is machine learning?"]
    asked, _ = await h.bot.database.question_counts()
    assert asked == 2  # only the real questions


async def test_another_job_after_the_pay_answer_is_declined_saying_why(careerbot):
    """"what about software engineers?" after the ML pay answer got the programming-skills
    fact; the sources' figures are for ML engineers alone."""
    h = careerbot
    alice, general = h.user("alice"), h.channel("general")
    first = await h.say(alice, general, PAY_QUESTION, mention_bot=True)
    assert fact_of(first) == "average-salary"
    then = await h.say(alice, general, "what about software engineers?", mention_bot=True)
    assert fact_of(then) is None
    assert "not **software engineers**" in then.embeds[0]["description"]
    assert any("earn in the US" in (c.get("label") or "")
               for row in then.components for c in row["components"])

"""Follow-ups: "and in 2022?" read in the context of the answer just given.

A follow-up is matched twice: alone, and after the question it follows ("how much do ML
engineers make and in 2022?"). Alone, a short follow-up has too few words to find its fact;
joined, the earlier question's words drown the follow-up's. Each fact's score is a blend of the
two (the follow-up weighing more), so the follow-up's own words pick among the facts the
earlier question made likely. The matcher's decision rules run on both readings: the follow-up
is answered when either reading is, with the best fact of the blend, provided a reading would
at least offer that fact (`Thresholds.suggest`: "how much does it cost" after a course is not a
question about pay because its words lean that way and the course's context lifts every score).
When neither reading answers, the "chatty question" rule is read across the two: a fact the
follow-up's own words single out (`sure_lead`) that scores `floor` in context answers, unless
the follow-up is off the knowledge base's subject (`off_topic`, in its own reading or named by
it in the joined one: "and in the uk?" after a US salary). A follow-up with no word the
knowledge base knows ("hmm") is not read in context at all: joined to the question it follows,
any text reads like that question; one that names something no fact has ("whats your favorite
color", "how is it different from deep learning": `Matcher.names_what_no_fact_has`) is not
answered by the joined reading alone, for the same reason. Otherwise the follow-up is declined,
offering what either reading would suggest, the likeliest by the blend first (the joined reading
alone would offer the earlier answer's neighbours first). A follow-up the matcher answers alone
with a clear lead (no close call) is a question complete in itself: it is answered as such,
without the joined reading (most of a person's next questions are new ones, and each reading
costs a full match).

A follow-up that only asks for more ("tell me more", "go on", "can you elaborate?") names
nothing to match either: it gets the answer's related questions to pick from
(`asks_for_more`); joined to the question before it, it got that answer or a neighbour again.

A follow-up that only doubts the answer or asks where it comes from, who made it, how old it is
or where to read it ("really?", "source?", "are you sure?", "where's that number from", "where
does the 125k number come from", "who did that study?", "when was the newer article written",
"how old is that info", "link?") is not a question about anything else: it gets
the same answer again, with its sources, their dates, links and quotes (`doubts_the_answer`). It
names nothing, so matching it would pick whatever its question word ("is that...") reads most
like. Likewise a follow-up asking whether the answer is so ("is that base or total comp", "is
that for ml engineers tho", "is that per year?"), in words most of which the answer's fact uses,
and that no reading of its own answers with another fact: the answer says whether it is, so it
is given again (`asks_what_the_answer_says`); one comparing it with something else ("is that
more than most jobs pay") is a question of its own, and one naming something no fact has ("is
that a remote job") is not what the answer says.

The context an answer leaves (`left_by`) is the question it answered, joined to the one before
only when it was read as a follow-up (`MatchResult.in_context`): a question complete in itself
starts anew, so the words of earlier questions never pile up and reach later ones.

`Conversations` remembers, per person and channel, the last answer and when it was given; a
context older than `CONTEXT_SECONDS` is forgotten, and one person's context is never used for
another's question (a reply to an answer carries that answer's context explicitly).
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from itertools import chain

from bot.core.knowledge.models import Fact
from bot.core.matching import Matcher, MatchResult, OffTopic, Suggestion, Thresholds
from bot.core.matching.synonyms import STOP_WORDS
from bot.core.smalltalk import whole_message

FOLLOW_UP_WEIGHT = 0.6
"""The follow-up's own reading's share of the blended score (the joined reading has the rest)."""
CONTEXT_SECONDS = 300.0
"""How long after an answer a follow-up is read in its context."""
MAX_CONTEXT_CHARS = 300
MAX_SUGGESTIONS = 3
"""As many as a match offers."""
MAX_REMEMBERED = 50_000
"""Contexts kept at most (the oldest forgotten first): bounded memory on a busy bot."""


@dataclass(frozen=True, slots=True)
class Context:
    """What a follow-up follows: the question asked and the fact that answered it."""

    question: str
    fact_id: str


_THAT = r"(?:that|this|it)"
_WHAT_IT_IS = (r"(?:number|figure|info|information|stat|data|claim|source|article|answer"
               r"|study|research|survey|report|list|ranking|definition)")
_FIGURE = r"\d+(?: \d{3})*(?:k|m)?(?: percent)?"
"""A figure as `whole_message` leaves it ("125k", "127 000": "$" and "," are punctuation)."""
_WHICH = r"(?:newer|older|new|old|first|second|other|latest|original|earlier|later)"
_THE_ONE = (rf"(?:{_THAT}(?: {_WHAT_IT_IS})?"
            rf"|(?:the|that|this|those|these)(?: {_WHICH})?(?: {_FIGURE})? {_WHAT_IT_IS}s?)")
"""The answer or a part of it by name: "that", "that number", "the 125k number", "the newer
article", "those stats"."""
_DOUBT = re.compile(
    r"(?:(?:wait|hmm+|huh|wow|ok|okay|so|but|lol|damn)\s+)*(?:"
    r"really|seriously|for real|fr|no way|(?:are )?(?:you|u) sure|is that so"
    rf"|is {_THAT} (?:really )?(?:true|right|correct|accurate|legit|real)"
    r"|how do (?:you|u) know|(?:says|said) who|who says(?: so| that)?"
    r"|(?:any )?proof|(?:can (?:you|u) )?prove (?:it|that)"
    r"|(?:any |got a |a )?(?:sources?|citation)(?: needed)?"
    r"|(?:what'?s|what is|what was|what are|which is|what|which) (?:your|the|ur) sources?"
    rf"|where(?:'?s| is| was| are| were| does| did| do) {_THE_ONE}(?: come)? from"
    rf"|where (?:did|do) (?:you|u) get {_THAT}(?: from)?"
    # how old it is, and where to read it: the sources' dates and links
    rf"|how (?:old|recent|current|new|up to date) is {_THAT}(?: {_WHAT_IT_IS})?"
    rf"|is {_THAT}(?: {_WHAT_IT_IS})? (?:still )?(?:up to date|current|recent|valid|outdated)"
    rf"|(?:what|which) (?:year|date) is {_THAT}(?: {_WHAT_IT_IS})? from"
    r"|(?:(?:can|could) (?:you|u) )?(?:give|send|share|show) (?:me )?(?:a |the )?"
    r"(?:links?|urls?|sources?)|(?:any |a |the )?(?:links?|urls?)"
    rf"|where can i read (?:more|{_THAT}|about {_THAT})"
    # who made it: the sources' publishers and what they credit
    rf"|who (?:did|ran|made|wrote|published|conducted|said|says) {_THE_ONE}"
    rf"|whose {_WHAT_IT_IS} is {_THAT}"
    rf"|when (?:is|was|were|are) {_THE_ONE}"
    r"(?: (?:done|made|written|published|conducted|released|updated|from))?"
    r")(?:\s+(?:about (?:that|this|it)|though|tho|then|lol|bro|man|really|pls|please"
    r"|plz))*")
def doubts_the_answer(question: str) -> bool:
    """Whether a follow-up only doubts the answer it follows or asks for its source, who made
    it, its age or a link, end to end ("really?", "source?", "are you sure about that",
    "where's that number from", "who did that study?", "how old is that info", "link?"): the
    answer again, with its sources, is the reply."""
    return _says_only(_DOUBT, question)


def _says_only(pattern: re.Pattern[str], question: str) -> bool:
    """Whether `question`, read as small talk is (`whole_message`), is `pattern` end to end."""
    words = whole_message(question)
    return words is not None and pattern.fullmatch(words) is not None


_MORE = re.compile(
    r"(?:(?:ok|okay|so|and|cool|nice|interesting|great|hmm+)\s+)*(?:"
    r"(?:can (?:you|u) |could (?:you|u) |pls |please )?(?:tell|show|give) me (?:some )?more"
    r"(?: (?:about|on) (?:that|this|it))?(?: (?:info|information|details?))?"
    r"|(?:some )?more(?: (?:info|information|details?|please|pls|on (?:that|this|it)))?"
    r"|(?:can (?:you|u) |could (?:you|u) |pls |please )?(?:elaborate|expand|explain more"
    r"|explain further|say more|go on|keep going|continue)(?: (?:on|about) (?:that|this|it))?"
    r"|what else|anything else|and|and then|what else (?:is there|can (?:you|u) tell me)"
    r")(?:\s+(?:please|pls|plz|then|lol))*")


def asks_for_more(question: str) -> bool:
    """Whether a follow-up only asks for more about the answer it follows, end to end ("tell
    me more", "go on", "can you elaborate?", "what else"): it names nothing to match, and
    gets the answer's related questions."""
    return _says_only(_MORE, question)


def joined(context: Context, question: str) -> Context:
    """The context a follow-up leaves: the earlier question and the follow-up, as one (its
    last MAX_CONTEXT_CHARS characters)."""
    return Context(f"{context.question} {question}"[-MAX_CONTEXT_CHARS:], context.fact_id)


def left_by(context: Context | None, question: str, fact_id: str, *, in_context: bool
            ) -> Context:
    """The context an answer leaves for the asker's next question: what was asked and the
    fact that answered it. A follow-up answered in `context` (`in_context`) leaves the two
    joined ("how much do ML engineers make and in 2022?"); a question complete in itself
    leaves itself alone, so the words of questions before it never reach the next one."""
    said = joined(context, question).question if context and in_context else question
    return Context(said, fact_id)


def follow_up(matcher: Matcher, question: str, context: Context,
              thresholds: Thresholds | None = None) -> MatchResult:
    """`question` matched as a follow-up of `context` (see the module's docstring)."""
    fact = matcher.knowledge.facts.get(context.fact_id)
    if fact is not None and doubts_the_answer(question):
        return MatchResult(question, fact, 1.0, in_context=True)  # the answer again
    if fact is not None and asks_for_more(question):
        related = matcher.knowledge.facts
        return MatchResult(question, None, 1.0, tuple(
            Suggestion(related[r], 1.0) for r in fact.related if r in related
        )[:MAX_SUGGESTIONS], more_about=fact)
    if fact is not None and (job := matcher.job_instead(question, fact.id)) is not None:
        # "what about software engineers?" after ML pay: the sources' figures are for the
        # subject alone; read joined, the follow-up got the ML figure or a neighbour of it
        return MatchResult(question, None, 0.0, (Suggestion(fact, 1.0),),
                           off_topic=OffTopic("role", job))
    alone, ranked_alone = matcher.match_ranked(question, thresholds=thresholds)
    if (fact is not None and not (alone.answered and alone.fact.id != fact.id)
            and asks_what_the_answer_says(matcher, question, fact)):
        return MatchResult(question, fact, 1.0, in_context=True)
    if alone.answered and not alone.suggestions:
        return alone  # a question complete in itself, with no close call: no context needed
    if not ranked_alone:
        return alone  # no word the knowledge base knows ("hmm"): nothing to follow up
    joined, ranked_joined = matcher.match_ranked(f"{context.question} {question}",
                                                 thresholds=thresholds)
    by_alone = {fact.id: score for fact, score in ranked_alone}
    by_joined = {fact.id: score for fact, score in ranked_joined}

    def blended(fact_id: str) -> float:
        return (FOLLOW_UP_WEIGHT * by_alone.get(fact_id, 0.0)
                + (1 - FOLLOW_UP_WEIGHT) * by_joined.get(fact_id, 0.0))

    t = thresholds or matcher.thresholds
    off_topic = alone.off_topic or _said_in(joined.off_topic, matcher, question)
    facts = {fact.id: fact for fact, _ in ranked_alone + ranked_joined}
    best: str | None = max(facts, key=lambda fact_id: (blended(fact_id), fact_id))
    if not (alone.answered or joined.answered):
        singled = _singled_out(ranked_alone, by_joined, t)
        if singled is not None and off_topic is None:
            return MatchResult(question, singled, by_joined[singled.id], in_context=True)
        best = None
    elif max(by_alone.get(best, 0.0), by_joined.get(best, 0.0)) < t.suggest:
        best = None  # the blend's best is a fact neither reading would even offer
    elif not alone.answered and matcher.names_what_no_fact_has(question):
        # Only the joined reading answers, and what the follow-up names no fact has ("whats
        # your favorite color"): joined, it reads like the question before it.
        best = None
    if best is None:
        # Declined: what either reading would answer or offer (each with its best reading's
        # score, the scale every match's suggestions share), the likeliest by the blend first.
        answers = (Suggestion(r.fact, r.confidence) for r in (alone, joined) if r.fact)
        offered: dict[str, Suggestion] = {}
        for offer in chain(answers, alone.suggestions, joined.suggestions):
            if offer.fact.id not in offered or offer.score > offered[offer.fact.id].score:
                offered[offer.fact.id] = offer
        ranked = sorted(offered, key=lambda fact_id: (-blended(fact_id), fact_id))
        suggestions = tuple(offered[fact_id] for fact_id in ranked[:MAX_SUGGESTIONS])
        # Why, in the follow-up's own words if they say it ("what does a nurse earn": another
        # job, though joined to a question about ML pay it reads as pay "for nurse").
        return MatchResult(question, None, max(alone.confidence, joined.confidence),
                           suggestions, off_topic=off_topic)
    same = [r for r in (alone, joined) if r.answered and r.fact.id == best]
    runner_up = same[0].suggestions if same else ()
    confidence = max(r.confidence for r in (alone, joined) if r.answered)
    return MatchResult(question, facts[best], confidence, runner_up, in_context=True)


_ABOUT_IT = re.compile(
    r"(?:(?:wait|so|but|and|ok|okay|hmm+)\s+)*(?:is|was|are|were)\s+(?:that|this|it|those|these)"
    r"\s+(?P<rest>.+)")
_COMPARING = frozenset({"than", "compared", "compare", "versus", "vs"})
"""Words that ask how the answer compares with something else: a question of its own."""
_HEDGES = frozenset({"though"})
"""Words that hedge the question and ask nothing of the answer ("tho" reads "though")."""


def restates_the_answer(matcher: Matcher, question: str, context: Context) -> bool:
    """Whether a follow-up of `context` is about its answer itself: it doubts it, asks for
    more about it, or asks whether it is so (read in context, each gets the answer again or
    its related questions: `follow_up`)."""
    fact = matcher.knowledge.facts.get(context.fact_id)
    return (doubts_the_answer(question) or asks_for_more(question)
            or (fact is not None and asks_what_the_answer_says(matcher, question, fact)))


def asks_what_the_answer_says(matcher: Matcher, question: str, fact: Fact) -> bool:
    """Whether a follow-up asks whether the answer it follows is so ("is that base or total
    comp", "is that for ml engineers tho", "is that per year"), in words most of which that
    answer's fact uses (a phrasing, a keyword or its answer): the answer says it, so it is
    the reply. Not one that compares it with something else ("is that more than most jobs
    pay": a question of its own), nor one naming something no fact has ("is that a remote
    job", "is that the same as deep learning": `Matcher.names_what_no_fact_has`)."""
    words = whole_message(question)
    found = _ABOUT_IT.fullmatch(words) if words else None
    if found is None:
        return False
    rest = matcher.words(found.group("rest"))
    if not _COMPARING.isdisjoint(rest) or matcher.names_what_no_fact_has(found.group("rest")):
        return False  # it compares, or names something no fact has ("is it remote")
    content = [w for w in rest if w not in STOP_WORDS and w not in _HEDGES]
    said = sum(matcher.fact_uses(fact.id, word) for word in content)
    return 2 * said > len(content)


def _said_in(off_topic: OffTopic | None, matcher: Matcher, question: str) -> OffTopic | None:
    """The joined reading's `off_topic`, if the follow-up `question` itself names it ("and in
    the uk?" after a US salary); not one the earlier question's words make with the
    follow-up's ("where can I learn ML for free" then "how much does it cost": no figures
    "for free")."""
    if off_topic is not None and set(off_topic.what.split()) <= set(matcher.words(question)):
        return off_topic
    return None


def _singled_out(ranked_alone: list[tuple[Fact, float]], by_joined: dict[str, float],
                 t: Thresholds) -> Fact | None:
    """The fact the follow-up's own words single out, if it fits the context: the matcher's
    "chatty question" rule (`Thresholds.clearly_ahead`: `floor` with a `sure_lead`) read
    across the two readings. Alone, an elliptical follow-up ("how much did the postings grow
    then") scores low but can lead every other fact by a lead that few uncovered questions
    give; joined, it is worded like the question it follows, which may keep its best fact
    behind the earlier answer's, yet scores it `floor` or more."""
    if len(ranked_alone) < 2:
        return None
    (fact, best), (_, runner_up) = ranked_alone[0], ranked_alone[1]
    if best >= t.sure_lead * runner_up and by_joined.get(fact.id, 0.0) >= t.floor:
        return fact
    return None


class Conversations:
    """The last answer each person got in each channel, for `CONTEXT_SECONDS` (thread-safe)."""

    def __init__(self, seconds: float = CONTEXT_SECONDS, limit: int = MAX_REMEMBERED) -> None:
        self.seconds = seconds
        self.limit = limit
        self._lock = threading.Lock()
        self._last: OrderedDict[tuple[int, int], tuple[float, Context, int | None]] = (
            OrderedDict())
        self._answers: OrderedDict[int, Context] = OrderedDict()
        """Recent answer messages and what they answered (a reply to one carries it)."""

    def remember(self, person: int, channel: int, context: Context,
                 now: float | None = None, answer_message: int | None = None) -> None:
        """`context` is what `person` was last answered in `channel` (by `answer_message`)."""
        key = (person, channel)
        with self._lock:
            self._last.pop(key, None)
            self._last[key] = (time.monotonic() if now is None else now, context,
                               answer_message)
            if answer_message is not None:
                self._answers[answer_message] = context
            for remembered in (self._last, self._answers):
                while len(remembered) > self.limit:
                    remembered.popitem(last=False)

    def of_answer(self, answer_message: int) -> Context | None:
        """What a recent answer message answered (None: not one of the last `limit`)."""
        with self._lock:
            return self._answers.get(answer_message)

    def recall(self, person: int, channel: int, now: float | None = None) -> Context | None:
        """This person's context in this channel, if recent enough."""
        entry = self._recent(person, channel, now)
        return entry[1] if entry else None

    def last_answer(self, person: int, channel: int, now: float | None = None
                    ) -> tuple[Context, int] | None:
        """This person's context in this channel and the message that answered it, if recent
        enough and sent (what "that's wrong" is about)."""
        entry = self._recent(person, channel, now)
        return (entry[1], entry[2]) if entry and entry[2] is not None else None

    def _recent(self, person: int, channel: int, now: float | None
                ) -> tuple[float, Context, int | None] | None:
        now = time.monotonic() if now is None else now
        with self._lock:
            entry = self._last.get((person, channel))
            if entry is None:
                return None
            if now - entry[0] > self.seconds:
                del self._last[(person, channel)]
                return None
            return entry

    def forget(self, person: int, channel: int) -> None:
        with self._lock:
            self._last.pop((person, channel), None)

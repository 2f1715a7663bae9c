"""Several questions in one message: "how much do ML engineers make and do I need a masters?"

Matched whole, such a message gets the answer of one of its questions and silently drops the
other. `questions_in` cuts it where a new question starts:
- after a question mark ("mle salary? and is it entry level?");
- at "and", "also", "plus", "but" or "or", a full stop, a semicolon or a line break, right
  before a question word ("... make and do I need a masters", "... first. how long does it
  take");
- before a list's number ("1. how much do they make 2. do I need a degree");
- at a comma before a question word, when the message itself opens with one ("how much do
  they make, how long does it take"; not "I'm a junior dev, what would I make", where the
  part before the comma says who asks).

The service matches each part on its own (`AnswerService.ask`). When two or more parts are
answered with different facts, each of those answers is given, in the message's order. When
the whole message is declined and one part is answered, that answer is given: "how much do ML
engineers make? and what's the weather in Paris" read whole is a question the sources do not
cover. A part declined alone takes the whole message's answer when no part got it ("what does
an ML engineer do and how much do they make?": "how much do they make?" names nobody).
Otherwise the message is one question, matched whole, as before. Measured with `python
-m bot bench compound` (README, "Quality and speed").
"""

from __future__ import annotations

import re

MAX_PARTS = 3
"""A message's first questions answered at most (the rest are left to a next message)."""
MIN_WORDS = 2
"""A part with fewer words is not a question of its own ("and why?")."""
MAX_CHARS = 600
"""A longer message is read whole (cutting it is not worth the extra matches)."""

_QUESTION_WORD = (r"(?:what|whats|what's|how|do|does|did|is|are|can|could|should|which|"
                  r"where|who|when|why|will|would|any)")
_CUTS = (
    # Each alternative starts at a fixed character or at the start of a run of spaces, and
    # takes a run of spaces whole (possessive: no backtracking into it), so cutting is linear
    # in the message (600 alternating line breaks and spaces took 2.3 s to cut before).
    rf"(?<=[?!])\s++(?=\S)"                                              # "...? next"
    rf"|[.;]\s++(?={_QUESTION_WORD}\b)|\n\s*+(?={_QUESTION_WORD}\b)"        # "first. how"
    rf"|(?<!\s)\s++(?=\d{{1,2}}[.)]\s)"                                    # "... 2. do i"
    rf"|(?<![\s,]),?\s++(?:and|also|plus|but|or)\s++(?:also\s++)?(?={_QUESTION_WORD}\b)"
)
_CUT = re.compile(_CUTS, re.IGNORECASE)
_CUT_AT_COMMAS = re.compile(rf"{_CUTS}|,\s++(?={_QUESTION_WORD}\b)", re.IGNORECASE)
"""`_CUT`, and at a comma before a question word ("how much do they make, how long...")."""
_OPENS_WITH_QUESTION = re.compile(rf"\W*{_QUESTION_WORD}\b", re.IGNORECASE)
_JOINING_WORD = re.compile(r"^(?:(?:and|also|plus|but|or|so)\s+|\d{1,2}[.)]\s+)+",
                           re.IGNORECASE)
"""What a part may start with: a joining word after a question mark ("...? and is it
remote"), a list's number ("1. how much ... 2. do i need ...")."""


def questions_in(text: str) -> tuple[str, ...]:
    """The questions `text` asks, in order, when it asks two or more (at most `MAX_PARTS`);
    () when it is one question (or too long to cut)."""
    if len(text) > MAX_CHARS:
        return ()
    # A comma cuts only a message that opens asking ("I'm a junior dev, what would I make").
    cut = _CUT_AT_COMMAS if _OPENS_WITH_QUESTION.match(text) else _CUT
    parts = [_JOINING_WORD.sub("", part.strip().strip(",").strip()) for part in cut.split(text)]
    questions = tuple(part for part in parts if len(part.split()) >= MIN_WORDS)
    return questions[:MAX_PARTS] if len(questions) >= 2 else ()

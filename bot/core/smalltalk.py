"""Small talk: a greeting, thanks, a goodbye, "who are you" or "help" is not a question for
the knowledge base. It gets a short, friendly reply ("help": how to ask, and what the bot can
answer) and is never counted as unanswered. So do what people say after an answer that asks
nothing: "ok", "got it" (an acknowledgement), "good bot" (praise) and "that's wrong", "that
didn't answer my question" (a correction: the reply says how to get the answer fixed). Read as
questions, each of these would be matched in the context of the answer before it and get that
answer or a neighbour of it again.

Only a message that is small talk from end to end counts ("hi, how much do ML engineers
make?" is a question with a greeting in front: it is answered as a question).
"""

from __future__ import annotations

import enum
import re


class SmallTalk(enum.Enum):
    GREETING = "greeting"
    THANKS = "thanks"
    GOODBYE = "goodbye"
    WHO = "who"
    HELP = "help"
    ACKNOWLEDGED = "acknowledged"
    PRAISE = "praise"
    CORRECTION = "correction"


_POLITE = (r"(?:\s+(?:there|all|everyone|guys|folks|bot|careerbot|mate|friend|again|so much"
           r"|a lot|lots|man))*")
_FORMS = {
    SmallTalk.GREETING: rf"(?:hi+|hello+|hey+|heya|hiya|yo|howdy|sup|wass?up|greetings|"
                        rf"good (?:morning|afternoon|evening)|gm|morning|"
                        rf"how(?:'?s| is| are| r) (?:it going|you|u|you doing|things)){_POLITE}",
    SmallTalk.THANKS: rf"(?:(?:great|nice|cool|perfect|awesome|ok+|okay|alright|got it|"
                      rf"oh+|ah+|wow)\s+)?"
                      rf"(?:thanks?|thank you|thx|tx|ty|tysm|cheers|much appreciated|"
                      rf"appreciate (?:it|that)|(?:that|this) (?:helps|helped)){_POLITE}"
                      r"(?:\s+(?:that|this|it) (?:helps|helped|is (?:great|helpful|perfect)))?",
    SmallTalk.GOODBYE: rf"(?:bye+|goodbye|see (?:you|ya)|cya|later|good night|gn){_POLITE}",
    SmallTalk.WHO: r"(?:who|what) (?:are|r) (?:you|u)|what (?:can|do) (?:you|u) do|"
                   r"what (?:are|r) (?:you|u) for|are (?:you|u) a bot|introduce yourself",
    # What may be asked, and how: a request for the help, not a question for the facts.
    SmallTalk.HELP: r"(?:help|commands|usage)(?: (?:me|pls|please|plz))?|"
                    r"what (?:do|can) (?:you|u) (?:know|cover|answer|tell me)(?: about)?|"
                    r"what (?:can|should|do) (?:i|we) ask(?: (?:you|u))?(?: about)?|"
                    r"what (?:topics|questions|things|stuff|subjects|(?:kind|sort|type)s? of "
                    r"(?:questions|things)) (?:do|can) (?:you|u) "
                    r"(?:know|cover|answer|help with)(?: about)?|"
                    r"what (?:can|do) (?:you|u) help (?:me )?with|"
                    r"how (?:do|can|should) (?:i|we) (?:use|ask) (?:you|u|this|this bot|the bot|"
                    r"careerbot)|how (?:does|do) (?:you|u|this|this bot|the bot|careerbot) work",
    # "ok", "oh i see", "got it, makes sense": taken in, nothing asked.
    SmallTalk.ACKNOWLEDGED: r"(?:ok+|okay|okey|k+|alright|all right|got it|gotcha|i see|"
                            r"(?:that )?makes sense|fair enough|noted|understood|cool|nice|neat|"
                            r"great|awesome|interesting|good to know|wow|oh+|ah+|right|"
                            r"lol|haha+|lmao|sounds good)"
                            r"(?:\s+(?:ok+|okay|alright|got it|i see|(?:that )?makes sense|cool|"
                            r"nice|great|interesting|good to know|then|now|lol|haha+))*",
    SmallTalk.PRAISE: rf"(?:(?:good|nice|great|cool|awesome|smart|helpful) (?:bot|job|one|"
                      rf"answer)|well done|you rock|love (?:you|u|this|it|this bot)|"
                      rf"(?:you'?re|you are|ur|u r) (?:so |very |really )?(?:great|awesome|"
                      rf"amazing|the best|helpful|smart|cool|a legend)){_POLITE}",
    # "that's wrong", "no, that's not what i asked", "that didn't help": the answer missed.
    SmallTalk.CORRECTION: r"(?:(?:no|nope|nah|hmm+|um+)\s+)?(?:"
                          r"(?:that'?s|that is|this is|it'?s|it is|you'?re|you are|ur|u r) "
                          r"(?:so |totally |completely |just |all |still )?(?:wrong|incorrect|"
                          r"not (?:right|true|correct|accurate|it|helpful)|outdated|"
                          r"out of date|old info|not what i (?:asked|meant)|unhelpful|useless)|"
                          r"(?:that |this |it |you )?(?:doesn'?t|didn'?t|does not|did not) "
                          r"(?:help|answer (?:my|the) question)|"
                          r"(?:wrong|bad|incorrect|useless) (?:answer|bot)|"
                          r"not what i (?:asked|meant)|wrong|incorrect|not true|not helpful|"
                          r"unhelpful|useless)",
}
_MATCHERS = {
    # "hey, who are you?", "hi thanks": a greeting may lead the others.
    kind: re.compile(rf"(?:{_FORMS[SmallTalk.GREETING]}\s+)?(?:{form})")
    for kind, form in _FORMS.items()
}
_NOISE = re.compile(r"[^\w\s']+|_")


MAX_WHOLE_CHARS = 60
"""Longer than this (its words), a message says more than a whole-message form."""


def whole_message(text: str) -> str | None:
    """`text` as the whole-message forms read it: lower case, its words separated by one
    space, punctuation and emoji aside (apostrophes kept); None when nothing is left or it is
    longer than `MAX_WHOLE_CHARS`."""
    words = " ".join(_NOISE.sub(" ", text.lower().replace("\u2019", "'")).split())
    return words if words and len(words) <= MAX_WHOLE_CHARS else None


def small_talk(text: str) -> SmallTalk | None:
    """The kind of small talk `text` is, end to end (punctuation and emoji aside), or None."""
    words = whole_message(text)
    if words is None:
        return None
    for kind, matcher in _MATCHERS.items():
        if matcher.fullmatch(words):
            return kind
    return None

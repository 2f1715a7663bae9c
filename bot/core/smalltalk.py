"""Small talk: a greeting, thanks, a goodbye, "who are you" or "help" is not a question for
the knowledge base. It gets a short, friendly reply ("help": how to ask, and what the bot can
answer) and is never counted as unanswered.

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


_POLITE = (r"(?:\s+(?:there|all|everyone|guys|folks|bot|careerbot|mate|friend|again|so much"
           r"|a lot|lots|man))*")
_FORMS = {
    SmallTalk.GREETING: rf"(?:hi+|hello+|hey+|heya|hiya|yo|howdy|sup|wass?up|greetings|"
                        rf"good (?:morning|afternoon|evening)|gm|morning){_POLITE}",
    SmallTalk.THANKS: rf"(?:thanks?|thank you|thx|tx|ty|tysm|cheers|much appreciated|"
                      rf"appreciate (?:it|that)|(?:that|this) (?:helps|helped)|"
                      rf"(?:great|nice|cool|perfect|awesome|ok|okay),? thanks?){_POLITE}"
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
}
_MATCHERS = {
    # "hey, who are you?", "hi thanks": a greeting may lead the others.
    kind: re.compile(form if kind is SmallTalk.GREETING
                     else rf"(?:{_FORMS[SmallTalk.GREETING]}\s+)?(?:{form})")
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

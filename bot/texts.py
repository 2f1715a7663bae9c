"""What the bot says, in one place: the sentences and formats every front shares (a later
translation touches this module). The fronts lay them out (an embed, a terminal); the words
and the way a source is cited are these.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.answers import Answer, CitedSource
from bot.core.knowledge.models import KnowledgeBase, Source, Topic
from bot.core.matching import OffTopic

# -- answers and declines ----------------------------------------------------------------------

DECLINE_TITLE = "I don't have an answer for that"
DECLINE = ("I don't know that one: my sources don't cover it, and I'd rather say so than "
           "guess.")
DECLINE_SHORT = "I don't have an answer for that: my sources don't cover it."
DID_YOU_MEAN = "Did you mean"
NOT_SURE = ("I'm not sure I understood. Did you mean one of these? Pick one below, or rephrase "
            "your question.")
WHAT_I_CAN_ANSWER = "What I can answer"
OFF_TOPIC_ROLE = "My sources are about {subject}, not **{what}**."
OFF_TOPIC_FIGURE = "My sources give no figures for **{what}**."
NOT_COVERED = ("My sources are about {subject}, not **{what}**, so this answers the {subject} "
               "side only.")
CLOSEST = "The closest I can answer:"
MORE_TITLE = "More on this"
MORE_ABOUT = "That's all my sources say on that question. Related questions I can answer:"
NO_MORE_ABOUT = "That's all my sources say on that question."
HOW_TO_ASK = "Ask in plain words, e.g. `/ask question: how much do ML engineers earn?`"
SOURCES = "Sources"
RELATED = "Related"
GONE = "That question is no longer in my knowledge base. Try `/ask` or `/topics`."
UNDATED = "undated"


UNVERIFIED = "unverified: the quote is not checked against this source"


def source_heading(cited: CitedSource | Source) -> str:
    """How a source is named wherever it is cited: title, publisher (unless the title already
    names it), date."""
    parts = [cited.title]
    if cited.publisher and cited.publisher not in cited.title:
        parts.append(cited.publisher)
    parts.append(cited.published or UNDATED)
    if isinstance(cited, CitedSource) and not cited.verified:
        parts.append(UNVERIFIED)  # a cited quote nothing checked (a source list has no quote)
    return ", ".join(parts)


def via(cited: CitedSource) -> str:
    """" (via the original source)" when the article credits one, else nothing."""
    return f" (via {cited.via})" if cited.via else ""


def topics_sentence(topics: Sequence[Topic]) -> str:
    """What these topics can answer: "Pay and salary, Skills, ..."."""
    return ", ".join(t.title for t in topics)


def can_answer_line(topics: Sequence[Topic], *, markdown: bool = False) -> str:
    """"What I can answer: Pay and salary, Skills, ..." (the label in bold with `markdown`)."""
    label = f"**{WHAT_I_CAN_ANSWER}:**" if markdown else f"{WHAT_I_CAN_ANSWER}:"
    return f"{label} {topics_sentence(topics)}."


def off_topic_sentence(off_topic: OffTopic, knowledge: KnowledgeBase) -> str:
    """Why a question is declined when the sources are about something else: another job
    ("My sources are about machine learning, not **nurse**."), or a place, employer, level
    or year no figure is given for."""
    if off_topic.kind == "role":
        return OFF_TOPIC_ROLE.format(subject=_subject(knowledge), what=off_topic.what)
    return OFF_TOPIC_FIGURE.format(what=off_topic.what)


def not_covered_sentence(answer: Answer, knowledge: KnowledgeBase | None) -> str | None:
    """What an answer's question asked that the sources do not cover ("My sources are about
    machine learning, not **software engineer**, so this answers the machine learning side
    only."), if anything (`Answer.not_covered`)."""
    if answer.not_covered is None or knowledge is None:
        return None
    return NOT_COVERED.format(subject=_subject(knowledge), what=answer.not_covered.what)


def _subject(knowledge: KnowledgeBase) -> str:
    """What the knowledge base is about, as its `matching.yaml` names it."""
    return " ".join(knowledge.vocabulary.subject) or "something else"


def decline_text(answer: Answer, knowledge: KnowledgeBase) -> str:
    """What a decline says before its suggestions (if any) or the topics it can answer."""
    if answer.more_about is not None:  # "tell me more": its related questions, or none
        return MORE_ABOUT if answer.suggestions else NO_MORE_ABOUT
    if answer.off_topic is not None:
        reason = off_topic_sentence(answer.off_topic, knowledge)
        return f"{reason} {CLOSEST}" if answer.suggestions else f"{reason} {DECLINE}"
    return NOT_SURE if answer.suggestions else DECLINE


def confidence_words(confidence: float) -> str:
    if confidence >= 0.8:
        return "very sure"
    if confidence >= 0.6:
        return "fairly sure"
    return "somewhat sure"


# -- when something goes wrong (`bot.discord.errors`) --------------------------------------

NOT_ALLOWED = "You can't use that command here."
OUT_OF_DATE = ("That command is out of date or unknown: please try again in a minute, or ask "
               "a server admin to reload Discord.")
BAD_INPUT = "I couldn't use that input. Please try again with plain text."
NO_DATABASE = "No database: nothing was recorded."
DATABASE_AWAY = "The database is unavailable right now: {error}."
MISSING_PERMISSION = "Discord didn't let me do that here (missing permission)."
SORRY = "Something went wrong on my side while answering. It has been logged; please try again."


# -- asking ------------------------------------------------------------------------------------

ATTACHMENT_ONLY_REPLY = ("I can only read questions written as text: please type yours in the "
                         "message.")
EMPTY_MENTION_REPLY = ("Hi! Ask me anything about becoming a machine learning engineer, e.g. "
                       "*how much do ML engineers earn?* `/help` shows everything I can do.")


# -- who may do what ---------------------------------------------------------------------------

NOT_HERE = "The knowledge base is changed from a server, not here."
NOT_A_MODERATOR = ("Only moderators can change the knowledge base (Manage Server, or a "
                   "moderator role: see `/settings moderator-role`).")
NOT_YOUR_CONTROLS = "These controls belong to the moderator who opened them."
NOT_YOUR_FORM = "This form belongs to someone else."
NOT_YOUR_MENU = "This menu belongs to someone else: run `/topics` for your own."
OWNER_ONLY = "Only the bot's owner can see its status."
EVERYWHERE_OWNER_ONLY = ("Only the bot's owner can see every server's questions; leave "
                         "`everywhere` off to see this server's.")
SYNCED = "Synced application commands: {scopes}."

# -- moderators: /kb -----------------------------------------------------------------------------

NO_TOPIC = "There is no topic `{topic}`."
NO_FACT = "There is no fact `{fact}`."
NO_SUCH_CHANGE = "There is no such change: see `/kb history`."
ADDED = "Added `{fact}` to topic `{topic}`: it answers now."
SAVED = "Saved `{fact}`."
ALSO_ANSWERS = "`{fact}` now also answers *{phrasing}*."
REVERTED = "Reverted change #{change}."
CHANGE_NUMBER = "{message} (change #{change})"
READS_LIKE = ("\n⚠️ Worded like this it reads more like `{other}`: questions asked that way may "
              "still get `{other}`'s answer. If it belongs there, `/kb revert` this change and "
              "attach it to that fact.")
CONFIRM_REMOVE = "Remove `{fact}`: *{question}*?"
REMOVED = "Removed `{fact}` (change #{change}; `/kb revert` undoes it)."
CANCELLED = "Cancelled: nothing changed."
FILES = "{count} file(s)."
FILE_TOO_LARGE = "`{name}` is {size:,} bytes; the limit is {limit:,}."
CANNOT_DOWNLOAD = "Cannot download the attachment: {error}"
CHANGES_NOTHING = "That file changes nothing."
WOULD_CHANGE = "This would change:\n{summary}"
IMPORTED = "Imported."
NO_CHANGES_YET = "No changes recorded yet."
FILES_INVALID = ("The files on disk are invalid: still answering from the last good knowledge "
                 "base. Problems:")
RELOADED = "Reloaded: {facts} facts in {topics} topics."
NOTHING_MISSED = "Nothing missed: every question was answered. 🎉"
DISMISSED = "Dismissed *{question}*."
REFUSED_SAVE = "Not saved"
REFUSED_REMOVE = "Not removed"
WOULD_BE_INVALID = "{refused}: the knowledge base would be invalid."
REFUSED_IMPORT = "Not imported"
REFUSED_HISTORY = "Cannot read the history"
STATS_AWAY = "Cannot read the statistics: {error}."
MISSED_AWAY = "Cannot read the missed questions: {error}."
DISMISS_AWAY = "Could not dismiss it: the database is unavailable."

# -- votes ---------------------------------------------------------------------------------------

FEEDBACK_THANKS = "Thanks for the feedback!"
VOTE_AWAY = "Thanks! I couldn't save your vote right now, sorry."
VOTE_NOTED = "Thanks! Noted as {verdict}."
VOTE_CHANGED = "You had already voted on this answer: changed to {verdict}."
NO_TEXT_IN_MESSAGE = "That message has no text I can read, so I can't answer it."


# -- help, sources, browsing ---------------------------------------------------------------------

HELP_TITLE = "CareerBot help"
HELP_ABOUT = ("I answer questions about becoming a **machine learning engineer**: pay, job "
              "outlook, the role, skills, degrees and the path in, related careers, what machine "
              "learning is and where to start learning. Every answer cites its source.")
HELP_HOW = "**How to ask**"
HELP_WAYS = (
    "• `/ask question:` with autocomplete as you type",
    "• mention me with your question, or reply to one of my messages",
    "• send me a direct message",
    "• right-click a message → Apps → **Answer with CareerBot**",
    "• `/topics` to browse everything I know, `/sources` for my sources",
)
HELP_UNPROMPTED = "• in the Q&A channels I answer questions unprompted when I'm sure"
HELP_KNOWS = "I know {facts} answers in {topics} topics. If I don't know, I say so: I never guess."


def help_lines(topics: Sequence[Topic], facts: int, *, unprompted: bool) -> list[str]:
    """The help (`/help`, or "help" asked by mention): how to ask, and what can be asked
    there (`topics`, holding `facts` answers). `unprompted`: the server has Q&A channels."""
    lines = [HELP_ABOUT, "", HELP_HOW, *HELP_WAYS]
    if unprompted:
        lines.append(HELP_UNPROMPTED)
    return [*lines, "", can_answer_line(topics, markdown=True),
            HELP_KNOWS.format(facts=facts, topics=len(topics))]
SOURCES_TITLE = "Where my answers come from"
SOURCES_ABOUT = "Every answer quotes one of these, with the original source it credits."
SOURCE_FIELD = "Source {n}: {heading}"
CONFIDENCE_FOOTER = "How sure I am: {words} ({confidence:.0%}) · Was this helpful? Vote below."
TOPIC_EMPTY = "No questions in this topic yet."
TOPIC_FOOTER = ("Topic {topic} of {topics} · page {page} of {pages} · pick a question to see "
                "its answer")
NO_QUESTIONS = "(no questions)"
CHOOSE_TOPIC = "Choose a topic"
CHOOSE_QUESTION = "Choose a question"
PREVIOUS = "Previous"
NEXT = "Next"
HELPFUL = "Helpful"
NOT_HELPFUL = "Not helpful"

# -- moderators' screens ---------------------------------------------------------------------------

CONFIRM = "Confirm"
CANCEL = "Cancel"
REMOVE = "Remove"
APPLY = "Apply"
ASKED_TIMES = "asked {count}×"
PICK_A_QUESTION_FIRST = "(pick a question first)"
MISSED_PICK = "1. Pick a question people asked"
MISSED_ATTACH = "2a. Attach it to this fact as a new phrasing"
MISSED_NEW_FACT = "2b. Or start a new fact from it, in topic…"
MISSED_DISMISS = "2c. Dismiss it"
MISSED_TITLE = "Questions the bot missed, most frequent first"
MISSED_OFF_TOPIC = {
    "role": "declined, about another job: {what}",
    "qualifier": "declined, no figures for {what}",
    "year": "declined, no figures for {what}",
}
"""How the queue names a decline whose question is about something the sources are not (a
moderator need not attach it to a fact: the bot would still decline it)."""
MISSED_FOOTER = "{groups} group(s) of alike questions"
HISTORY_TITLE_FACT = "Changes to `{fact}`"
HISTORY_TITLE = "Latest changes"
HISTORY_FOOTER = "/kb revert change:<number> undoes one"
MODLOG_TITLE = "Knowledge base change #{change}"
STATS_TITLE = "The last {period}"
STATS_CHART = "Questions in the last {period}"
FORM_QUESTION = "Question"
FORM_QUESTION_EXAMPLE = "How much does a machine learning engineer earn?"
FORM_ALTERNATES = "Other phrasings (one per line)"
FORM_ALTERNATES_EXAMPLE = "mle salary\nhow much do ml engineers make"
FORM_ANSWER = "Answer"
FORM_SOURCE = "Source id (see /sources)"
FORM_QUOTE = "Quote from the source"
FORM_RETRY = "Fix and try again"
STATUS_TITLE = "CareerBot status"
COOLDOWN = ("You're asking faster than I can keep up: try again in {seconds} second(s). 🙂")
FORM_NEW = "New fact"
FORM_EDIT = "Edit {fact}"
STATS_QUESTIONS = "Questions"
STATS_ANSWERED = "Answered"
STATS_BUSIEST = "Busiest facts"
STATS_FEEDBACK = "Feedback per fact"
CONSOLE_BANNER = ("CareerBot offline console: {facts} facts loaded. Ask about becoming a machine "
                  "learning engineer; a follow-up (\"and in 2022?\") is read in the context of "
                  "the last answer, and a number picks one of the questions a reply offers; "
                  "Ctrl-D or 'quit' to leave.")
CONSOLE_WHO = ("I'm CareerBot. I answer questions about becoming a machine learning engineer, "
               "each answer with the source it comes from, and I say so when I don't know. "
               "Type a question; a follow-up is read in the context of my last answer.")

# -- small talk (bot.core.smalltalk): never counted as an unanswered question -----------------

SMALL_TALK = {
    "greeting": "Hi! I answer questions about becoming a machine learning engineer: pay, "
                "outlook, the role, skills, degrees, related careers and where to start "
                "learning. Ask away, e.g. *how much do ML engineers make?*",
    "thanks": "You're welcome! Ask me anything else about becoming an ML engineer.",
    "goodbye": "Bye, and good luck on the way to machine learning engineering!",
    "who": "I'm CareerBot. I answer questions about becoming a machine learning engineer, "
           "each answer with the source it comes from, and I say so when I don't know. "
           "Mention me with a question, reply to one of my answers to follow up, or use `/ask`.",
    "acknowledged": "👍 Ask me anything else about becoming an ML engineer.",
    "praise": "Thank you! Ask me anything else about becoming an ML engineer.",
    "correction": "Sorry about that. I answer only from my sources, quoted with their dates "
                  "under each answer. If an answer is wrong, out of date or not what you asked, "
                  "press **Not helpful** under it: the moderators see your question and can "
                  "fix the answer. Or ask again in other words.",
}
CORRECTION_NOTED = ("Sorry about that. I've marked that answer **not helpful**, so the "
                    "moderators see your question in their queue and can fix the answer. You "
                    "can also ask again in other words.")
CONSOLE_CORRECTION = ("Sorry about that. I answer only from my sources, quoted with their dates "
                      "under each answer; if one is wrong or out of date, the knowledge base's "
                      "moderators can correct it. Or ask again in other words.")

# -- /settings: each server's own ------------------------------------------------------------

SETTINGS_NOT_ADMIN = "Only members with **Manage Server** can change this server's settings."
SETTINGS_TITLE = "CareerBot settings for this server"
SETTINGS_FOOTER = ("\"default\": the operator's, until you set your own; /settings reset "
                   "goes back to it.")
SETTINGS_NAMES = {
    "qa_channels": "Q&A channels (answered without a mention, when sure)",
    "moderator_roles": "Moderator roles (may use /kb, besides Manage Server)",
    "cooldown_questions": "Cooldown: questions",
    "cooldown_seconds": "Cooldown: per seconds",
    "ask_private": "/ask answers",
    "modlog_channel": "Mod log channel",
}
SETTING_OWN = "this server"
SETTING_DEFAULT = "default"
SETTING_NONE = "none"
SETTING_PRIVATE = "only the asker sees them"
SETTING_PUBLIC = "in the channel, for everyone"
SETTINGS_SAVED = "Saved: **{name}** is now {value}."
SETTINGS_RESET = "**{name}** is back to the default: {value}."
SETTINGS_AWAY = "Cannot save the setting: {error}. Nothing changed; try again in a moment."
SETTINGS_READ_AWAY = "Cannot read the settings: {error}."
SETTINGS_OTHER_SERVER = "That channel is not in this server."
SETTINGS_NOT_A_QA_CHANNEL = "Pick a text channel, a thread or a forum channel."
SETTINGS_NOT_A_ROLE = "That role is not in this server (deleted?)."
SETTINGS_EVERYONE_ROLE = ("@everyone can not be a moderator role: every member could change "
                          "the knowledge base.")
SETTINGS_NO_CONTENT = ("This bot runs without Discord's Message Content intent, so it can not "
                       "read messages that do not mention it. Ask its operator to enable it "
                       "(CAREERBOT_MESSAGE_CONTENT, see the README); until then, people can "
                       "mention the bot or use /ask anywhere.")
SETTINGS_ALREADY = "Nothing to change: {value}."

# -- /kb: which knowledge a change goes to ---------------------------------------------------

LAYER_SHARED = "the shared knowledge base (every server)"
LAYER_SERVER = "this server's own knowledge"
LAYER_CHOICES = {"shared": "shared knowledge base (every server)",
                 "server": "this server's own facts"}
IN_LAYER = " — in {layer}."
SHARED_ADMIN_ONLY = ("The shared knowledge base is changed only from the bot's admin servers "
                     "(CAREERBOT_ADMIN_GUILDS). Here you can add facts of this server's own: "
                     "they answer in this server only.")
NO_SUCH_LAYER = "There is no such knowledge to change."


def missed_reason(why: str) -> str:
    """A missed question's reason as the moderators' queue shows it: "declined", "not
    helpful", or "declined, about another job: nurse" for "off topic role nurse"
    (`Database.missed_questions`)."""
    off_topic = OffTopic.decoded(why.removeprefix("off topic ")) if why.startswith(
        "off topic ") else None
    return why if off_topic is None else MISSED_OFF_TOPIC[off_topic.kind].format(
        what=off_topic.what)

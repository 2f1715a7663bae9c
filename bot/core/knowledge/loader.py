"""Loading a knowledge directory (sources.yaml + topics/*.yaml) into a validated KnowledgeBase."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bot.core.gc_pause import collector_paused
from bot.core.knowledge.errors import Issue, KnowledgeBaseError
from bot.core.knowledge.fingerprint import BUILD_COMMAND, FingerprintError, read_fingerprint
from bot.core.knowledge.models import Fact, KnowledgeBase, MatchingVocabulary, Source, Topic
from bot.core.knowledge.parsed_files import ParsedFiles
from bot.core.knowledge.schema import (
    MAX_SHORT_TEXT,
    SLUG,
    TOPIC_KEYS,
    Located,
    _text,
    _unknown_keys,
    parse_fact,
    parse_source,
)
from bot.core.knowledge.yaml_io import YamlError, read_yaml_file

Read = Callable[..., Any]
"""`read_yaml_file`, or `ParsedFiles.read` (which parses only what changed)."""

SOURCES_FILE = "sources.yaml"
MATCHING_FILE = "matching.yaml"
_WORDS = re.compile(r"[a-z0-9$]+(?: [a-z0-9$]+)*")
MAX_SYNONYMS = 5000
TOPICS_DIR = "topics"
MAX_TOPIC_FILES = 200
_PHRASING_KEY = re.compile(r"[^\w]+")


def bundled_knowledge_dir() -> Path:
    """The knowledge base shipped with the project (`knowledge/` at the repository root)."""
    return Path(__file__).resolve().parents[3] / "knowledge"


_KEY_SEPARATOR = "\x1e"
"""Joins texts keyed together (ASCII "record separator": not a word character)."""
_ASCII_NON_WORD = str.maketrans({chr(c): " " for c in range(128)
                                  if not (chr(c).isalnum() or chr(c) in "_" + _KEY_SEPARATOR)})
"""ASCII characters outside words become spaces, the separator excepted. Every ASCII
character is in the table (itself or a space): str.translate then never misses a key, which
would cost it a raised and caught KeyError per character and call."""
_ASCII_NON_WORD.update({c: c for c in range(128) if c not in _ASCII_NON_WORD})
_KEYS_AT_A_TIME = 4096


def phrasing_key(text: str) -> str:
    """Phrasings equal up to case, punctuation and spacing share a key."""
    if text.isascii() and _KEY_SEPARATOR not in text:  # the common case, without regex
        return " ".join(text.lower().translate(_ASCII_NON_WORD).split())
    return _PHRASING_KEY.sub(" ", text.casefold()).strip()


def phrasing_keys(texts: list[str]) -> list[str]:
    """`[phrasing_key(t) for t in texts]`, for many texts at once.

    The loader keys every phrasing of the knowledge base, a hundred thousand at the speed
    bench's size, where one call per text costs more than the work itself. The ASCII texts are
    keyed a few thousand at a time (a few hundred kilobytes of text, not megabytes of copies):
    joined, lower-cased and translated in one call each, runs of spaces collapsed, then split
    apart again. The others (and any text holding the separator) are keyed one by one."""
    return [
        key for start in range(0, len(texts), _KEYS_AT_A_TIME)
        for key in _ascii_keys(texts[start : start + _KEYS_AT_A_TIME])
    ]


def _ascii_keys(texts: list[str]) -> list[str]:
    """`phrasing_keys` of one batch of texts."""
    blob = _KEY_SEPARATOR.join(texts)
    others: list[int] = []
    if not blob.isascii() or blob.count(_KEY_SEPARATOR) != len(texts) - 1:
        others = [i for i, t in enumerate(texts) if not t.isascii() or _KEY_SEPARATOR in t]
        plain = list(texts)
        for i in others:
            plain[i] = ""
        blob = _KEY_SEPARATOR.join(plain)
    spaced = blob.lower().translate(_ASCII_NON_WORD)
    del blob
    while "  " in spaced:  # rare: a regular expression would cost more in the search alone
        spaced = spaced.replace("  ", " ")
    keys = list(map(str.strip, spaced.split(_KEY_SEPARATOR)))
    for i in others:
        keys[i] = phrasing_key(texts[i])
    return keys


@dataclass(frozen=True, slots=True)
class LoadReport:
    knowledge: KnowledgeBase | None
    issues: tuple[Issue, ...]
    files: tuple[Path, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.issues


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def load_sources(
    root: Path, *, fingerprints: bool = True
) -> tuple[dict[str, Source], list[Issue]]:
    """The sources of `sources.yaml` alone, and its issues; with `fingerprints=False` the
    fingerprint files are not read (to rebuild them: they may be missing or stale)."""
    issues: list[Issue] = []
    return _load_sources(Path(root), issues, fingerprints=fingerprints), issues


def _load_sources(
    root: Path, issues: list[Issue], *, fingerprints: bool = True, read: Read = read_yaml_file
) -> dict[str, Source]:
    path = root / SOURCES_FILE
    loc = Located(_display(path, root))
    if not path.is_file():
        issues.append(Issue(loc.file, "missing: the list of sources (sources: [...])"))
        return {}
    try:
        data = read(path, loc.file)
    except YamlError as exc:
        issues.append(exc.issue)
        return {}
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        issues.append(Issue(loc.file, "must be a mapping with a 'sources:' list"))
        return {}
    sources: dict[str, Source] = {}
    for node in data["sources"]:
        source = parse_source(loc, node)
        if source is None:
            continue
        if fingerprints and source.fingerprint_file is not None:
            source = _with_fingerprint(root, source, loc, node)
        if source.id in sources:
            loc.add(f"duplicate source id '{source.id}'", node, "id")
        sources[source.id] = source
    issues.extend(loc.issues)
    return sources


def _with_fingerprint(root: Path, source: Source, loc: Located, node: object) -> Source:
    """`source` with the fingerprint its `fingerprint:` names, or an issue saying why not."""
    rel = source.fingerprint_file or ""
    path = root / rel
    if not path.is_file():
        loc.add(f"source '{source.id}': fingerprint file {rel} not found (build it with "
                f"{BUILD_COMMAND})", node, "fingerprint")
        return source
    try:
        fingerprint = read_fingerprint(path, _display(path, root))
    except FingerprintError as exc:
        loc.issues.append(exc.issue)
        return source
    return replace(source, fingerprint=fingerprint)


def _load_vocabulary(root: Path, issues: list[Issue], read: Read) -> MatchingVocabulary:
    """`matching.yaml`, if there is one: the subject, topic words and synonyms."""
    path = root / MATCHING_FILE
    if not path.exists():
        return MatchingVocabulary()
    name = _display(path, root)
    try:
        data = read(path)
    except YamlError as exc:
        issues.append(exc.issue)
        return MatchingVocabulary()
    if data is None:
        return MatchingVocabulary()
    if not isinstance(data, dict):
        issues.append(Issue(name, "must be a mapping with subject, topic_words and synonyms"))
        return MatchingVocabulary()
    unknown = sorted(set(map(str, data)) - {"subject", "topic_words", "synonyms"})
    if unknown:
        issues.append(Issue(name, f"unknown keys: {', '.join(unknown)}"))

    def words(value: object, what: str) -> str | None:
        if isinstance(value, str) and _WORDS.fullmatch(value):
            return value
        issues.append(Issue(name, f"{what} must be lower-case words separated by single "
                                  f"spaces, not {value!r}"))
        return None

    subject = data.get("subject") or ""
    subject = words(subject, "subject") if subject else ""
    topic_words = data.get("topic_words") or []
    if not isinstance(topic_words, list):
        issues.append(Issue(name, "topic_words must be a list of words"))
        topic_words = []
    topics = [w for w in (words(t, "each of topic_words") for t in topic_words) if w]
    raw = data.get("synonyms") or {}
    if not isinstance(raw, dict):
        issues.append(Issue(name, "synonyms must be a mapping of phrase: replacement"))
        raw = {}
    if len(raw) > MAX_SYNONYMS:
        issues.append(Issue(name, f"more than {MAX_SYNONYMS} synonyms"))
        raw = {}
    synonyms: dict[str, str] = {}
    for phrase, replacement in raw.items():
        key = words(str(phrase) if isinstance(phrase, int) else phrase, "a synonym's phrase")
        value = words(str(replacement) if isinstance(replacement, int) else replacement,
                      f"the replacement of {phrase!r}")
        if key and value:
            synonyms[key] = value
    for phrase, replacement in synonyms.items():
        for word in replacement.split():
            if synonyms.get(word, word) != word:
                issues.append(Issue(name, f"the replacement of {phrase!r} uses {word!r}, "
                                          "which is itself replaced: replace it directly"))
    return MatchingVocabulary(tuple((subject or "").split()), frozenset(topics), synonyms)


def _load_topic(path: Path, root: Path, issues: list[Issue], read: Read
                ) -> tuple[Topic, list, Located]:
    loc = Located(_display(path, root))
    topic_id = path.stem
    facts: list[tuple[Fact, object]] = []
    title = topic_id
    try:
        data = read(path, loc.file)
    except YamlError as exc:
        loc.issues.append(exc.issue)
        data = None
    if data is not None:
        if not isinstance(data, dict) or not isinstance(data.get("facts"), list):
            loc.add("must be a mapping with 'topic', 'title' and a 'facts:' list", data)
        else:
            _unknown_keys(loc, data, TOPIC_KEYS, "a topic file")
            if data.get("topic") != topic_id:
                loc.add(f"'topic' must be '{topic_id}' (the file name)", data, "topic")
            title = _text(loc, data, "title", limit=MAX_SHORT_TEXT, required=True) or topic_id
            facts = [(fact, node) for node in data["facts"]
                     if (fact := parse_fact(loc, node, topic_id)) is not None]
    issues.extend(loc.issues)
    return Topic(topic_id, title, tuple(f.id for f, _ in facts)), facts, loc


def load_report(root: Path, *, shared_sources: Mapping[str, Source] | None = None,
                parsed: Path | None = None, parsed_as: Path | None = None) -> LoadReport:
    """Read and check every file; collect every problem rather than stopping at the first.

    `shared_sources`: the folder is a server's layer (`bot.core.layers`) and these are the
    sources of the knowledge base it is layered on: its facts may cite them too (quotes checked
    from their fingerprints), its own sources need a URL and an id of their own, and it may
    hold no fact yet. `parsed`: the folder that keeps the files' parsed YAML
    (`bot.core.knowledge.parsed_files`; None: every file is parsed); `parsed_as`: the
    knowledge folder whose parsed files to use, when `root` is a private copy of it (an
    edit's check)."""
    # The collector paused for the whole load, not file by file: a knowledge base of the speed
    # bench's size is a quarter of a million YAML nodes and tens of thousands of mappings,
    # lists and facts, none in a reference cycle, and each resumption would scan them anew.
    root = Path(root)
    kept = ParsedFiles(parsed, root, parsed_as) if parsed is not None and root.is_dir() else None
    with collector_paused():
        report = _load_report(root, shared_sources, kept.read if kept else read_yaml_file)
    if kept is not None:
        kept.save()
    return report


def _load_report(root: Path, shared_sources: Mapping[str, Source] | None, read: Read
                 ) -> LoadReport:
    issues: list[Issue] = []
    if not root.is_dir():
        return LoadReport(None, (Issue(str(root), "knowledge directory not found"),))
    sources = _load_sources(root, issues, read=read)
    if shared_sources is not None:
        sources = _with_shared(sources, shared_sources, _display(root / SOURCES_FILE, root),
                               issues)
    vocabulary = _load_vocabulary(root, issues, read)
    topic_dir = root / TOPICS_DIR
    paths = sorted(topic_dir.glob("*.yaml")) if topic_dir.is_dir() else []
    if not paths:
        issues.append(Issue(_display(topic_dir, root), "no topic files (*.yaml)"))
    if len(paths) > MAX_TOPIC_FILES:
        issues.append(Issue(_display(topic_dir, root), f"more than {MAX_TOPIC_FILES} files"))
        paths = paths[:MAX_TOPIC_FILES]

    topics: list[Topic] = []
    facts: dict[str, Fact] = {}
    located: list[tuple[Fact, object, Located]] = []
    for path in paths:
        if not SLUG.match(path.stem):
            issues.append(Issue(_display(path, root), "topic file names must be lowercase slugs"))
            continue
        topic, topic_facts, loc = _load_topic(path, root, issues, read)
        topics.append(topic)
        for fact, node in topic_facts:
            located.append((fact, node, loc))

    phrasings: dict[str, str] = {}
    keys = phrasing_keys([p for fact, _, _ in located for p in fact.phrasings])
    all_distinct = len(set(keys)) == len(keys)  # then no phrasing is on two facts
    end = 0
    for fact, node, loc in located:
        start, end = end, end + 1 + len(fact.alternates)  # this fact's phrasings' keys
        if fact.id in facts:
            other = facts[fact.id].topic
            issues.append(loc.make(f"duplicate id (also in topic '{other}')", node, "id", fact.id))
            continue
        facts[fact.id] = fact
        if all_distinct:
            continue
        for phrasing, key in zip(fact.phrasings, keys[start:end], strict=True):
            owner = phrasings.setdefault(key, fact.id)
            if owner != fact.id:
                message = f"phrasing {phrasing!r} is also on fact '{owner}'"
                issues.append(loc.make(message, node, None, fact.id))
    for fact, node, loc in located:
        for citation in fact.citations:
            if citation.source not in sources:
                issues.append(
                    loc.make(f"unknown source '{citation.source}'", node, "citations", fact.id)
                )
        for rid in fact.related:
            if rid not in facts:
                issues.append(loc.make(f"unknown related fact '{rid}'", node, "related", fact.id))
            elif rid == fact.id:
                issues.append(loc.make("related to itself", node, "related", fact.id))
    if not facts and not issues and shared_sources is None:
        issues.append(Issue(str(root), "the knowledge base has no facts"))
    kb = None if issues else KnowledgeBase(
        sources=sources, topics=tuple(topics), facts=facts, vocabulary=vocabulary
    )
    vocabulary_file = (root / MATCHING_FILE,) if (root / MATCHING_FILE).exists() else ()
    return LoadReport(kb, tuple(issues), (root / SOURCES_FILE, *vocabulary_file, *paths))


def _with_shared(own: dict[str, Source], shared: Mapping[str, Source], shown: str,
                 issues: list[Issue]) -> dict[str, Source]:
    """A layer's sources: the shared ones, then its own (each with a URL, none reusing a
    shared id: a citation names one source, wherever it is read)."""
    for source in own.values():
        if source.id in shared:
            issues.append(Issue(shown, f"source id '{source.id}' is a source of the shared "
                                       "knowledge base: cite it as it is, or choose another id"))
        elif source.url is None:
            issues.append(Issue(shown, f"source '{source.id}' needs a url: a server's own "
                                       "sources are cited by their address (their quotes are "
                                       "not checked)"))
    return {**shared, **own}


def load_knowledge_base(root: Path, *, parsed: Path | None = None) -> KnowledgeBase:
    """The knowledge base in `root`, or KnowledgeBaseError listing every problem (`parsed`:
    as `load_report`'s)."""
    report = load_report(root, parsed=parsed)
    if report.knowledge is None:
        raise KnowledgeBaseError(list(report.issues))
    return report.knowledge

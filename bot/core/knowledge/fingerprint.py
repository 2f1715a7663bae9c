"""Fingerprints of the source documents: enough to check a quote, without the text.

The articles the knowledge base quotes are someone else's text, so the repository does not hold
them, and neither does the running bot: without something in their place a quote a moderator
types could only be checked on a machine that has the documents. A fingerprint stands in: the
set of hashes of the document's word n-grams. A quote is verified when every n-gram of it is
in the set; the text itself cannot be read back from the file.

Normalisation (`tokens`): the text is case-folded and NFKC-normalised, its quote styles made
straight (as `quotes.comparable` does), then cut into tokens: runs of word characters (`\\w+`)
and every other visible character on its own (`$`, `,`, `%`, `(`). Whitespace only separates
tokens, so a quote copied from the article is found whatever its case, quote style, spacing or
line breaks, but "$127,712" is not "$127.712": punctuation and figures must be the document's.

Gram sizes (`GRAM_SIZES`, 2 to 5 tokens): a quote of L tokens is checked with the grams of the
largest stored size g <= L, and every one of them must be in the set. A quote of 2 to 5 tokens
is then a single gram, found only where the document has exactly those tokens in a row; a
longer one is a chain of 5-grams overlapping by 4 tokens, which only a passage of the document
gives (or a splice at a 4-token phrase the document repeats, both halves of which it holds).
The shipped quotes are as short as two words, hence sizes from 2; with bigrams alone a 3- or
4-word quote could be stitched from pairs found in different sentences, hence 3 and 4; larger
sizes would add one hash per token each without catching more invented quotes. A one-token
quote ("Python") cannot be checked and is refused by `quotes.check_quotes`.

Hashes are 8 bytes of BLAKE2b personalised with a fixed domain string: stable across Python
versions and machines (unlike `hash()`), and at 64 bits a gram absent from the document matches
by chance about once in 10^15 tries at the shipped sizes.

The file (`Fingerprint.dumps`) is one header line naming the format, the hash and the sizes,
then one 16-digit lower-case hex hash per line, sorted and unique: deterministic, and it diffs
line by line. What the file is not: secret. Anyone can hash a phrase and test whether the
article holds it, which is the point; with a word list and patience much of the text could be
guessed back that way. It is not a copy of the text, but not encryption either.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from bot.core.knowledge.errors import Issue

FINGERPRINTS_DIR = "fingerprints"
"""The folder of the knowledge directory that holds the fingerprint files."""
BUILD_COMMAND = "`python -m bot fingerprint --documents DIR`"
"""How a maintainer with the source documents (re)builds the fingerprint files."""
FORMAT = "careerbot-quote-fingerprint/1"
HASH_NAME = "blake2b-64"
GRAM_SIZES = (2, 3, 4, 5)
MAX_GRAM_SIZE = 32
"""Largest gram size a file may declare (sizes come from the file, so they are bounded)."""
MAX_FINGERPRINT_BYTES = 16 * 1024 * 1024
"""A fingerprint file larger than this is refused unread (about a million hashes)."""

_DOMAIN = b"careerbot/ngram1"  # BLAKE2b personalisation: at most 16 bytes
_DIGEST_BYTES = 8
_HEX_DIGITS = 2 * _DIGEST_BYTES
_HEX = re.compile(rf"[0-9a-f]{{{_HEX_DIGITS}}}")
_HEX_LINES = re.compile(rf"(?:[0-9a-f]{{{_HEX_DIGITS}}}\n)*")
_SIZES = re.compile(r"[1-9][0-9]*(?:,[1-9][0-9]*)*")
_TOKEN = re.compile(r"\w+|[^\w\s]")
STRAIGHT_QUOTES = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2032": "'"}
)
"""Curly quotes and primes as the straight ones a keyboard types."""


def tokens(text: str) -> list[str]:
    """The tokens of `text` as fingerprints compare them (see the module docstring)."""
    folded = unicodedata.normalize("NFKC", text.casefold()).translate(STRAIGHT_QUOTES)
    return _TOKEN.findall(folded)


def gram_hash(gram: list[str] | tuple[str, ...]) -> int:
    """The stable 64-bit hash of one n-gram of tokens (tokens hold no spaces)."""
    digest = hashlib.blake2b(
        " ".join(gram).encode("utf-8"), digest_size=_DIGEST_BYTES, person=_DOMAIN
    ).digest()
    return int.from_bytes(digest, "big")


def _grams(words: list[str], size: int) -> set[int]:
    return {gram_hash(words[i : i + size]) for i in range(len(words) - size + 1)}


class FingerprintError(ValueError):
    """A fingerprint file that cannot be used; `issue` says where and why."""

    def __init__(self, issue: Issue) -> None:
        self.issue = issue
        super().__init__(str(issue))


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """The n-gram hashes of one document, and the gram sizes they were taken at."""

    sizes: tuple[int, ...]
    hashes: frozenset[int] = field(repr=False)

    @classmethod
    def of(cls, text: str, sizes: tuple[int, ...] = GRAM_SIZES) -> Fingerprint:
        """The fingerprint of a document's text."""
        words = tokens(text)
        hashes = frozenset().union(*(_grams(words, n) for n in sizes))
        return cls(tuple(sorted(set(sizes))), hashes)

    @property
    def shortest(self) -> int:
        """The fewest tokens a quote needs to be checked."""
        return self.sizes[0]

    def verifies(self, quote: str) -> bool:
        """Whether the document holds `quote` (False for a quote too short to check)."""
        words = tokens(quote)
        size = max((n for n in self.sizes if n <= len(words)), default=None)
        return size is not None and _grams(words, size) <= self.hashes

    def dumps(self) -> str:
        """The file's text: the header line, then the hashes in order, one per line."""
        header = f"{FORMAT} hash={HASH_NAME} sizes={','.join(map(str, self.sizes))}"
        body = "".join(f"{h:0{_HEX_DIGITS}x}\n" for h in sorted(self.hashes))
        return f"{header}\n{body}"

    @classmethod
    def loads(cls, text: str, file: str) -> Fingerprint:
        """The fingerprint a file's text holds; FingerprintError (naming `file` and the line)
        when it is not one this version reads."""
        lines = text.splitlines()
        sizes = _header_sizes(lines[0] if lines else "", file)
        body = lines[1:]
        if not _HEX_LINES.fullmatch("".join(f"{line}\n" for line in body)):  # then find it
            number, line = next((n, x) for n, x in enumerate(body, 2) if not _HEX.fullmatch(x))
            raise _error(file, f"not a {_HEX_DIGITS}-digit lower-case hex hash: "
                         f"{line[:40]!r}", number)
        for number, (before, line) in enumerate(pairwise(body), 3):
            if line <= before:  # fixed-width lower-case hex: text order is number order
                raise _error(file, "hashes must be sorted and unique", number)
        return cls(sizes, frozenset(int(line, 16) for line in body))


def _error(file: str, message: str, line: int | None = None) -> FingerprintError:
    hint = f"; rebuild it with {BUILD_COMMAND}"
    return FingerprintError(Issue(file, f"fingerprint file: {message}{hint}", line))


def _header_sizes(header: str, file: str) -> tuple[int, ...]:
    """The gram sizes the header line declares, after checking its format and hash."""
    parts = header.split()
    if not parts or parts[0] != FORMAT:
        raise _error(file, f"the first line must start with '{FORMAT}'", 1)
    fields = dict(part.partition("=")[::2] for part in parts[1:])
    if fields.get("hash") != HASH_NAME:
        raise _error(file, f"the header must say hash={HASH_NAME}", 1)
    declared = fields.get("sizes", "")
    if not _SIZES.fullmatch(declared):
        raise _error(file, "the header must list the gram sizes, e.g. sizes=2,3,4,5", 1)
    sizes = tuple(int(n) for n in declared.split(","))
    if list(sizes) != sorted(set(sizes)) or sizes[-1] > MAX_GRAM_SIZE:
        raise _error(file, f"gram sizes must rise, each at most {MAX_GRAM_SIZE}", 1)
    return sizes


def read_fingerprint(path: Path, shown: str) -> Fingerprint:
    """The fingerprint in `path` (`shown` names it in issues); FingerprintError when it cannot
    be read or is not a fingerprint."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FINGERPRINT_BYTES + 1)
    except OSError as exc:
        raise _error(shown, f"cannot be read ({exc.strerror or exc})") from exc
    if len(data) > MAX_FINGERPRINT_BYTES:
        raise _error(shown, f"larger than {MAX_FINGERPRINT_BYTES} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _error(shown, "not UTF-8 text") from exc
    return Fingerprint.loads(text, shown)

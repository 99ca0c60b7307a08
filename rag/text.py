"""Plain-text helpers shared by chunking, retrieval and answering: sentences, tokens, stems."""

from __future__ import annotations

import re
from collections.abc import Iterator

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "said",
        "says",
        "say",
        "according",
        "mr",
        "ms",
        "mrs",
        "dr",
        "s",
        "t",
        "don't",
        "doesn't",
        "didn't",
        "isn't",
        "aren't",
        "wasn't",
        "weren't",
        "there's",
        "it's",
        "that's",
        "he's",
        "she's",
        "also",
        "may",
        "might",
        "must",
        "shall",
        "one",
        "ones",
        "like",
        "well",
        "much",
        "many",
        "get",
        "got",
        "make",
        "made",
        "per",
        "via",
        "think",
        "thinks",
        "thought",
        "tell",
        "told",
        "article",
    ]
)
#: Question words carry no content, but tell the answerer what kind of answer fits.
QUESTION_WORDS = frozenset(["what", "who", "whom", "whose", "which", "when", "where", "why", "how"])

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[.\-'’][A-Za-z0-9]+)*")
_PARA = re.compile(r"\n[ \t\r\f\v]*\n\s*")

# A sentence ends at . ! ? (plus closing quotes/brackets) followed by space and a capital,
# digit or opening quote; the abbreviation list keeps "Mr. Zhou" and "Co., Ltd." whole.
_END = re.compile(r"[.!?]+[\"'”’)\]]*(?:\s*(?:''|”|’’))?(?=\s+[\"“‘'(\[]?[A-Z0-9“])")
_ABBREV = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sr",
        "jr",
        "st",
        "co",
        "ltd",
        "inc",
        "corp",
        "no",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "u.s",
        "u.k",
        "u.n",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "fig",
        "gen",
        "gov",
        "sen",
        "rep",
        "rev",
        "est",
        "approx",
        "dept",
        "univ",
    ]
)


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens; keeps "1-2", "4.0" and "u.s" as one token."""
    return [t.lower().replace("’", "'") for t in _TOKEN.findall(text)]


def stem(word: str) -> str:
    """A light suffix stripper: enough to match predict/predicted/prediction, company/companies."""
    w = word
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) <= 3 or not w.isalpha():
        return w
    for suf, rep in (
        ("ations", "ate"),
        ("ation", "ate"),
        ("ingly", ""),
        ("ities", "ity"),
        ("ies", "y"),
        ("ions", ""),
        ("ion", ""),
        ("ings", ""),
        ("ing", ""),
        ("edly", ""),
        ("ed", ""),
        ("ers", "er"),
        ("ly", ""),
        ("es", "e"),
        ("s", ""),
    ):
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            w = w[: -len(suf)] + rep
            break
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    return w


def content_terms(text: str) -> list[str]:
    """Stemmed tokens minus stopwords and question words: what a query is about."""
    return [stem(t) for t in tokens(text) if t not in STOPWORDS and t not in QUESTION_WORDS]


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Spans of blank-line separated paragraphs, trimmed of surrounding whitespace."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in _PARA.finditer(text):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(text)))
    out = []
    for a, b in spans:
        seg = text[a:b]
        lead = len(seg) - len(seg.lstrip())
        trail = len(seg) - len(seg.rstrip())
        if b - trail > a + lead:
            out.append((a + lead, b - trail))
    return out


def sentences(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """Spans of the sentences in text[start:end] (offsets into `text`)."""
    end = len(text) if end is None else end
    seg = text[start:end]
    pos = 0
    for m in _END.finditer(seg):
        cut = m.end()
        word = re.search(r"([A-Za-z][A-Za-z.]*)\.$", seg[pos : m.start() + 1])
        if word and (word.group(1).lower() in _ABBREV or len(word.group(1)) == 1):
            continue
        yield from _trimmed(text, start + pos, start + cut)
        pos = cut
    yield from _trimmed(text, start + pos, end)


def _trimmed(text: str, a: int, b: int) -> Iterator[tuple[int, int]]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if b > a and any(ch.isalnum() for ch in text[a:b]):
        yield (a, b)


def fold(text: str) -> str:
    """Whitespace folded to single spaces: how evidence quotes are compared."""
    return " ".join(text.split())

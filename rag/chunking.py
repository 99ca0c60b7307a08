"""Split an article into passages that keep exact offsets, and note who each sentence is about.

Why this shape (measured in eval/README.md): news paragraphs are short and self-contained,
quotes often run on into the next paragraph and name their speaker only by surname ("said
Mr. Zhou") or a pronoun. So chunks follow paragraphs (merged when a quote runs on or a short
paragraph continues the previous one, split at sentences past `max_chars`), and every sentence
carries a `context`: the full name and description of the person it quotes, resolved from
earlier in the article. The context is indexed with the text, never shown as if quoted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.text import paragraphs, sentences
from rag.types import Article, Chunk, Sentence, content_hash

_NAME = re.compile(r"\b([A-Z][a-z]+(?:[ -][A-Z][a-z]+){1,2})\b")
_SPEECH = r"(?:said|says|added|adds|explained|agreed|noted|told|believes|argued|warned|stated|predicted)"
_TITLE_REF = re.compile(r"\b(?:Mr|Ms|Mrs|Dr|Prof)\.? ([A-Z][a-z]+)\b")
_SURNAME_REF = re.compile(rf"\b([A-Z][a-z]+),? {_SPEECH}\b|\b{_SPEECH},? ([A-Z][a-z]+)\b")
_PRONOUN_REF = re.compile(rf"^(?:He|She)\b|\b(?:he|she) {_SPEECH}\b")
_CONTINUES = re.compile(r"^(?:He|She|They|It|This|That|These|Those|His|Her|Their)\b")
_OPEN_Q = '“"‘'
# Capitalised pairs that name organisations or places, not people.
_NOT_PERSON = frozenset(
    [
        "technology",
        "technologies",
        "institute",
        "academy",
        "university",
        "committee",
        "company",
        "group",
        "states",
        "kingdom",
        "republic",
        "council",
        "association",
        "research",
        "sciences",
        "science",
        "bank",
        "news",
        "daily",
        "times",
        "corporation",
        "inc",
        "ltd",
        "co",
        "intelligence",
        "initiative",
        "foundation",
        "ministry",
        "department",
        "agency",
        "commission",
        "union",
        "party",
        "government",
        "city",
        "province",
        "county",
        "valley",
        "street",
    ]
)


@dataclass
class _Person:
    name: str
    descriptor: str = ""

    def label(self) -> str:
        return f"{self.name}, {self.descriptor}" if self.descriptor else self.name


@dataclass
class _People:
    """Who has been named so far; a surname or pronoun resolves to the latest match."""

    by_token: dict[str, _Person] = field(default_factory=dict)
    known: dict[frozenset[str], _Person] = field(default_factory=dict)
    last: _Person | None = None

    def see_full_names(self, text: str, sent: str, offset: int) -> list[_Person]:
        found = []
        for m in _NAME.finditer(sent):
            after = sent[m.end() : m.end() + 120]
            before = sent[max(0, m.start() - 12) : m.start()]
            is_person = (
                after.startswith(",")
                or re.match(rf"\s*{_SPEECH}\b", after)
                or re.search(rf"{_SPEECH}\s*$", before)
            )
            words = m.group(1).lower().replace("-", " ").split()
            if not is_person or before.endswith(("the ", "The ")) or _NOT_PERSON.intersection(words):
                continue
            key = frozenset(m.group(1).lower().replace("-", " ").split())
            person = self.known.get(key) or _Person(m.group(1))
            if after.startswith(","):
                desc = re.split(rf",|;| {_SPEECH}\b|[.!?](?:\s|$)", after[1:].strip(), maxsplit=1)[0]
                if len(desc) > 90:
                    desc = desc[:90].rsplit(" ", 1)[0]
                if len(desc) >= 3:
                    person.descriptor = desc.strip()
            self.known[key] = person
            for tok in key:
                self.by_token[tok] = person
            found.append(person)
        if found:
            self.last = found[-1]
        return found

    def resolve(self, sent: str, named: list[_Person]) -> list[_Person]:
        refs: list[_Person] = []
        for m in list(_TITLE_REF.finditer(sent)) + list(_SURNAME_REF.finditer(sent)):
            tok = next(g for g in m.groups() if g)
            p = self.by_token.get(tok.lower())
            if p and p not in refs and p not in named:
                refs.append(p)
        if not refs and not named and _PRONOUN_REF.search(sent) and self.last:
            refs.append(self.last)
        if refs:
            self.last = refs[-1]
        return refs


def chunk_article(article: Article, max_chars: int = 700) -> list[Chunk]:
    """Passages of `article` with exact offsets, sentence spans and resolved speaker context."""
    text = article.text
    paras = paragraphs(text)
    groups = _group_paragraphs(text, paras, max_chars)
    people = _People()
    chunks: list[Chunk] = []
    for a, b in groups:
        sents: list[Sentence] = []
        attributed = False
        for s, e in sentences(text, a, b):
            sent = text[s:e]
            named = people.see_full_names(text, sent, s)
            refs = people.resolve(sent, named)
            attributed = attributed or bool(named or refs)
            sents.append(Sentence(s, e, "; ".join(p.label() for p in refs)))
        if not attributed and text[a] in _OPEN_Q and people.last:
            # A quote with no speaker continues the last one (news convention).
            sents = [Sentence(s.start, s.end, people.last.label()) for s in sents]
        for part in _split_long(sents, max_chars):
            s0, e0 = part[0].start, part[-1].end
            ctx = "; ".join(dict.fromkeys(s.context for s in part if s.context))
            cid = content_hash(article.sha256, str(s0), str(e0))
            chunks.append(Chunk(cid, article.name, len(chunks), s0, e0, text[s0:e0], tuple(part), ctx))
    return chunks


def _group_paragraphs(text: str, paras: list[tuple[int, int]], max_chars: int) -> list[tuple[int, int]]:
    """Merge a run-on quote with the next paragraph, and a short continuation with the last."""
    groups: list[list[int]] = []
    open_quote = False
    for a, b in paras:
        body = text[a:b]
        size = b - a
        if groups:
            cur = groups[-1]
            fits = (b - cur[0]) <= max_chars * 1.25
            continues = size < 250 and _CONTINUES.match(body) is not None
            if fits and (open_quote or continues):
                cur[1] = b
                # A multi-paragraph quote reopens each paragraph and closes only in its last.
                open_quote = _opens_quote(body)
                continue
        groups.append([a, b])
        open_quote = _opens_quote(body)
    return [(g[0], g[1]) for g in groups]


def _opens_quote(body: str) -> bool:
    """True when a paragraph opens a quotation it does not close (the quote runs on)."""
    opens = body.count("“")
    closes = body.count("”") + body.count("''")
    if opens:
        return opens > closes
    return body.lstrip()[:1] in _OPEN_Q and body.count('"') % 2 == 1


def _split_long(sents: list[Sentence], max_chars: int) -> list[list[Sentence]]:
    """Pack sentences into parts no longer than max_chars (a longer sentence stands alone)."""
    if not sents:
        return []
    parts: list[list[Sentence]] = [[sents[0]]]
    for s in sents[1:]:
        if s.end - parts[-1][0].start > max_chars:
            parts.append([s])
        else:
            parts[-1].append(s)
    return parts

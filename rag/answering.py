"""The default answerer: no LLM. It picks the sentences of the retrieved passages that answer
the question, quotes them with [n] markers, and declines when nothing supports an answer."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.citations import Support, build_citations
from rag.rerank import type_cues, type_match
from rag.retrieval import Corpus
from rag.text import STOPWORDS, content_terms, fold, tokens
from rag.types import CANNOT_ANSWER, Citation

#: A second sentence joins the answer when it scores this close to the best.
SECOND_RATIO = 0.9
MAX_SENTENCES = 2


@dataclass
class Draft:
    """What an answerer produced before timing and packaging."""

    text: str
    refused: bool
    citations: list[Citation]
    support: float


def salient_terms(question: str) -> list[str]:
    """Names and numbers in the question: words it cannot be paraphrased without."""
    words = re.findall(r"[A-Za-z0-9][\w\-.']*", question)
    out = []
    for i, w in enumerate(words):
        w = w.rstrip(".'").removesuffix("'s")
        if any(ch.isdigit() for ch in w) or (i > 0 and w[:1].isupper() and w.lower() not in STOPWORDS):
            out.extend(content_terms(w))
    return out


def missing_share(question: str, corpus: Corpus) -> float:
    """Share of the question's names and numbers found nowhere in the article(s).

    Ordinary words are often paraphrased, so their absence says little; a name or number the
    article never mentions ("Elon Musk", "2022") means the question is about something else.
    """
    terms = set(salient_terms(question))
    if not terms:
        return 0.0
    return sum(not corpus.vocabulary_has(t) for t in terms) / len(terms)


def support_score(best: float, missing: float, type_missing: bool) -> float:
    """How strongly the article supports an answer: the best sentence, discounted by what's absent."""
    return best * (1.0 - 0.7 * missing) - (0.08 if type_missing else 0.0)


def extractive_answer(question: str, ranked: list[Support], corpus: Corpus, threshold: float) -> Draft:
    """Quote the best-supported sentences with [n] markers, or decline with CANNOT_ANSWER.

    `ranked` are the sentences of the retrieved passages, best first (see rag.rerank).
    """
    if not ranked:
        return Draft(CANNOT_ANSWER, True, [], 0.0)
    best = ranked[0].score
    cues = type_cues(question)
    type_missing = bool(cues) and type_match(_sentence_text(ranked[0], corpus), cues) == 0.0
    support = support_score(best, missing_share(question, corpus), type_missing)
    if support < threshold:
        return Draft(CANNOT_ANSWER, True, [], support)
    chosen = [ranked[0]]
    for s in ranked[1:]:
        if len(chosen) >= MAX_SENTENCES or s.score < SECOND_RATIO * best:
            break
        chosen.append(s)
    # Read in article order: a quote and its continuation stay in sequence.
    chosen.sort(key=lambda s: (s.passage.chunk.article, s.sentence.start))
    text_of = corpus.texts
    citations, numbers = build_citations(text_of, chosen)
    parts = []
    for s, n in zip(chosen, numbers, strict=True):
        sent = fold(text_of[s.passage.chunk.article][s.sentence.start : s.sentence.end])
        parts.append(f"{_attribute(sent, s.sentence.context)} [{n}]")
    return Draft(" ".join(parts), False, citations, support)


def _sentence_text(s: Support, corpus: Corpus) -> str:
    return corpus.texts[s.passage.chunk.article][s.sentence.start : s.sentence.end]


def _attribute(sentence: str, context: str) -> str:
    """Name a pronoun-led sentence's speaker in brackets, as editors do: "He [Zhou Yu] said"."""
    if not context:
        return sentence
    name = context.split(";")[0].split(",")[0].strip()
    m = re.match(r"^(He|She)\b", sentence)
    if m and not set(tokens(name)) & set(tokens(sentence)):
        return f"{m.group(1)} [{name}]{sentence[m.end() :]}"
    return sentence

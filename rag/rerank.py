"""Sentence-level re-scoring: the role a cross-encoder would play, built from what runs offline.

Each sentence of the candidate passages gets: its dense similarity to the question (stored
vector), the IDF-weighted share of the question's terms it (or its speaker context) contains,
and whether it has the kind of content the question asks for (a date for "when", a number for
"how many", a time horizon for "predict"...), as classic QA systems did. A passage is then
ranked by its best sentence, blended with its fused retrieval rank.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from rag.citations import Support
from rag.retrieval import Corpus
from rag.text import content_terms
from rag.types import Passage

# Weights set on the gold set's dev questions (eval/README.md).
W_DENSE, W_LEX, W_TYPE, W_RANK = 0.5, 0.4, 0.2, 0.06

_NUM = r"\b\d[\d,.]*\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|dozen|hundred|thousand|million|billion)\b"
_TIME_SPAN = r"\b(?:within|in|over|for|about|up to|after|next)\s+(?:about\s+)?(?:\d[\d\-–]*|a|one|two|three|few|several)\s+(?:years?|months?|weeks?|days?|decades?)\b"
_DATE = r"\b(?:1[89]\d\d|20\d\d)\b|\b(?:January|February|March|April|May|June|July|August|September|October|November|December|spring|summer|autumn|fall|winter|last (?:week|month|year)|next (?:week|month|year)|yesterday|today|tomorrow|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
_FUTURE = (
    r"\b(?:will|would|could|can be|expects?|expected|likely|predicts?|forecasts?|soon|future|eventually)\b"
)
_CAUSE = r"\b(?:because|since|due to|given|as a result|so that|considering|owing to|thanks to|reason)\b"
_PERSON = r"\b[A-Z][a-z]+ [A-Z][a-z]+\b|\b(?:said|says|told)\b"
_PLACE = r"\b(?:in|at|from) [A-Z][a-z]+"

#: (question pattern, [(answer cue, weight)])
_TYPES: list[tuple[re.Pattern[str], list[tuple[re.Pattern[str], float]]]] = [
    (
        re.compile(
            r"\b(predict\w*|forecast\w*|expect\w*|foresee\w*|how (?:soon|long|quickly)|by when)\b", re.I
        ),
        [(re.compile(_TIME_SPAN, re.I), 1.0), (re.compile(_FUTURE, re.I), 0.4)],
    ),
    (re.compile(r"^\s*when\b|\bwhat (?:year|date|month|day)\b", re.I), [(re.compile(_DATE), 1.0)]),
    (re.compile(r"\bhow (?:many|much|old|large|big|far)\b", re.I), [(re.compile(_NUM, re.I), 1.0)]),
    (re.compile(r"^\s*why\b|\bwhat (?:is|was) the reason\b", re.I), [(re.compile(_CAUSE, re.I), 1.0)]),
    (re.compile(r"^\s*(?:who|whom)\b", re.I), [(re.compile(_PERSON), 0.6)]),
    (re.compile(r"^\s*where\b", re.I), [(re.compile(_PLACE), 0.6)]),
]


_NAMES = re.compile(r"\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+){1,3}(?:'s)?\b")


def mask_names(question: str) -> str:
    """The question with multi-word proper names replaced by "they": what it asks, not of whom.

    MiniLM's similarity is dominated by shared names, so every sentence about a person looks
    alike; names are matched lexically (with the resolved speaker context) instead.
    """
    return _NAMES.sub("they", question)


def type_cues(question: str) -> list[tuple[re.Pattern[str], float]]:
    """Answer cues for the kind of answer the question asks for (empty when it names none)."""
    return [cue for pat, cues in _TYPES if pat.search(question) for cue in cues]


def type_match(sentence: str, cues: list[tuple[re.Pattern[str], float]]) -> float:
    """The strongest cue the sentence carries, 0..1."""
    return max((w for pat, w in cues if pat.search(sentence)), default=0.0)


@dataclass
class Rescored:
    """Passages re-ranked by their best sentence, and every sentence's support, best first."""

    passages: list[Passage]
    supports: list[Support]


def rescore(
    question: str,
    qvec: np.ndarray | None,
    candidates: list[Passage],
    corpus: Corpus,
    vectors: dict[tuple[int, int], np.ndarray],
    k: int,
) -> Rescored:
    """Score each candidate sentence and return the top-k passages with all supports."""
    q_terms = set(content_terms(question))
    idf = {t: corpus.bm25.term_idf(t) for t in q_terms}
    total = sum(idf.values()) or 1.0
    cues = type_cues(question)
    text_of = corpus.texts
    supports: list[Support] = []
    best_of: dict[str, float] = {}
    for p in candidates:
        for s in p.chunk.sentences:
            body = text_of[p.chunk.article][s.start : s.end]
            terms = set(content_terms(f"{body} {s.context}"))
            lex = sum(w for t, w in idf.items() if t in terms) / total
            vec = vectors.get((s.start, s.end))
            dense = float(np.dot(qvec, vec)) if vec is not None and qvec is not None else 0.0
            score = W_DENSE * dense + W_LEX * lex + W_TYPE * type_match(body, cues) + W_RANK / p.rank
            supports.append(Support(p, s, score))
            best_of[p.chunk.id] = max(score, best_of.get(p.chunk.id, -1.0))
    supports.sort(key=lambda x: -x.score)
    ranked = sorted(candidates, key=lambda p: -best_of.get(p.chunk.id, -1.0))[:k]
    passages = [
        Passage(p.chunk, best_of.get(p.chunk.id, 0.0), r + 1, p.dense, p.lexical)
        for r, p in enumerate(ranked)
    ]
    keep = {p.chunk.id: p for p in passages}
    supports = [
        Support(keep[s.passage.chunk.id], s.sentence, s.score) for s in supports if s.passage.chunk.id in keep
    ]
    return Rescored(passages, supports)

"""Small typed records shared by every stage of the pipeline."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

#: What the product says when the article does not support an answer. One constant, so
#: the UI, the CLI and the eval all recognise a refusal the same way.
CANNOT_ANSWER = "The article does not say."


def content_hash(*parts: str) -> str:
    """A short, stable hash of the given strings (ids that repeat across re-ingests)."""
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()[:24]


@dataclass(frozen=True)
class Article:
    """An article as the library stores it: `text` is exact, so offsets into it hold."""

    name: str
    text: str
    title: str = ""
    date: str = ""
    byline: str = ""
    source: str = ""

    @property
    def sha256(self) -> str:
        """Hash of the stored text: the article's version."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Sentence:
    """A sentence span of an article; `context` names who/what it refers to."""

    start: int
    end: int
    context: str = ""


@dataclass(frozen=True)
class Chunk:
    """A passage of an article: `text == article.text[start:end]`."""

    id: str
    article: str
    index: int
    start: int
    end: int
    text: str
    sentences: tuple[Sentence, ...] = ()
    context: str = ""

    @property
    def index_text(self) -> str:
        """Text for lexical search: the passage plus who it is about."""
        return f"{self.text}\n{self.context}" if self.context else self.text


@dataclass
class Passage:
    """A retrieved chunk with its scores, as the answerer sees it."""

    chunk: Chunk
    score: float
    rank: int
    dense: float = 0.0
    lexical: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON form used in eval predictions (`retrieved`)."""
        c = self.chunk
        return {
            "article": c.article,
            "chunk_id": c.id,
            "start": c.start,
            "end": c.end,
            "text": c.text,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True)
class Citation:
    """One numbered source of an answer; `quote` is the supporting sentence(s)."""

    n: int
    article: str
    chunk_id: str
    start: int
    end: int
    text: str
    quote: str
    quote_start: int
    quote_end: int
    score: float

    def to_dict(self) -> dict[str, Any]:
        """JSON form of the contract."""
        d = asdict(self)
        d["score"] = round(self.score, 4)
        return d


@dataclass
class Answer:
    """What every answerer returns: text with [n] markers and the citations behind them."""

    question: str
    text: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    retrieved: list[Passage] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    standalone_question: str = ""
    backend: str = "extractive"
    notes: list[str] = field(default_factory=list)

    def to_dict(self, *, with_retrieved: bool = False) -> dict[str, Any]:
        """JSON form of the contract (`rag ask --json`)."""
        d: dict[str, Any] = {
            "question": self.question,
            "answer": self.text,
            "refused": self.refused,
            "citations": [c.to_dict() for c in self.citations],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }
        if self.standalone_question and self.standalone_question != self.question:
            d["standalone_question"] = self.standalone_question
        d["backend"] = self.backend
        if self.notes:
            d["notes"] = list(self.notes)
        if with_retrieved:
            d["retrieved"] = [p.to_dict() for p in self.retrieved]
        return d

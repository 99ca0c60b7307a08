"""The one `answer(...)` that the CLI, the UI and the eval call, and ingesting into the library."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from rag.answering import extractive_answer
from rag.chunking import chunk_article
from rag.config import Settings
from rag.embedding import Embedder, get_embedder
from rag.errors import InputError
from rag.history import resolve
from rag.loading import load_article
from rag.rerank import mask_names, rescore
from rag.retrieval import Corpus, Retriever
from rag.store import ArticleInfo, Store, chunker_signature
from rag.types import Answer, Article, Passage

ALL = "all"


@dataclass(frozen=True)
class IngestResult:
    """What `rag ingest` did to one article."""

    name: str
    chunks: int
    changed: bool
    seconds: float


class Engine:
    """The library and the question answering over it. Cheap to build; models load on first use."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder or get_embedder(settings.embedder)
        self.store = Store(settings, self.embedder)
        self.retriever = Retriever(settings, self.store, self.embedder)
        self._lock = threading.Lock()

    # -- library ---------------------------------------------------------------------------
    def ingest(self, source: str | Path | Article, name: str | None = None) -> IngestResult:
        """Add or replace an article; re-ingesting the same text writes nothing."""
        t0 = time.perf_counter()
        article = source if isinstance(source, Article) else load_article(source, name)
        chunks = chunk_article(article, self.settings.chunk_max_chars)
        with self._lock:
            changed = self.store.put(article, chunks, chunker_signature(self.settings))
        return IngestResult(article.name, len(chunks), changed, time.perf_counter() - t0)

    def articles(self) -> list[ArticleInfo]:
        """The articles in the library."""
        return self.store.list_articles()

    def choose(self, article: str | list[str] | None) -> list[str]:
        """Resolve --article: a name, several names, 'all', or None when the library holds one."""
        names = [a.name for a in self.articles()]
        if not names:
            raise InputError("The library is empty: add an article first with `rag ingest FILE`.")
        if article is None or article == "":
            if len(names) == 1:
                return names
            raise InputError(
                f"The library holds {len(names)} articles; choose one with --article NAME "
                f"(or --article all): {', '.join(names)}."
            )
        wanted = article if isinstance(article, list) else [a.strip() for a in article.split(",")]
        if wanted == [ALL]:
            return names
        for w in wanted:
            if w not in names:
                raise InputError(f"No article named {w!r} in the library (articles: {', '.join(names)}).")
        return wanted

    # -- answering -------------------------------------------------------------------------
    def answer(
        self,
        question: str,
        article: str | list[str] | None = None,
        history: list[str] | tuple[str, ...] = (),
    ) -> Answer:
        """Answer a question about the chosen article(s) with cited passages, or decline."""
        t0 = time.perf_counter()
        q = self.check_question(question)
        history = [h for h in history if h and h.strip()]
        standalone = resolve(q, history)
        corpus = self.retriever.corpus(self.choose(article))
        qvec = self.embedder.embed([standalone])[0]
        depth = self.settings.rerank_depth if self.settings.rerank else self.settings.top_k
        candidates = self.retriever.retrieve(standalone, corpus, qvec, depth)
        masked = mask_names(standalone)
        mvec = qvec if masked == standalone else self.embedder.embed([masked])[0]
        rescored = rescore(
            standalone, mvec, candidates, corpus, self._vectors(candidates, corpus), self.settings.top_k
        )
        passages = rescored.passages if self.settings.rerank else candidates
        t1 = time.perf_counter()
        draft = extractive_answer(standalone, rescored.supports, corpus, self.settings.refuse_threshold)
        t2 = time.perf_counter()
        return Answer(
            question=q,
            text=draft.text,
            refused=draft.refused,
            citations=draft.citations,
            retrieved=passages,
            timings_ms={
                "retrieve": (t1 - t0) * 1000,
                "answer": (t2 - t1) * 1000,
                "total": (t2 - t0) * 1000,
            },
            standalone_question=standalone,
            backend="extractive",
        )

    def _vectors(self, passages: list[Passage], corpus: Corpus) -> dict[tuple[int, int], np.ndarray]:
        """Vectors of every sentence of the passages: stored ones, or embedded now for chunk units."""
        if self.settings.embed_unit == "sentence":
            sha_by_chunk = {p.chunk.id: _sha(corpus, p.chunk.article) for p in passages}
            return self.store.unit_vectors(list(sha_by_chunk), sha_by_chunk)
        spans = [(s.start, s.end, p.chunk.article) for p in passages for s in p.chunk.sentences]
        text_of = {a.name: a.text for a in corpus.articles}
        vecs = self.embedder.embed([text_of[a][s:e] for s, e, a in spans])
        return {(s, e): v for (s, e, _), v in zip(spans, vecs, strict=True)}

    def check_question(self, question: str) -> str:
        """The question stripped, or InputError when it is empty or too long."""
        q = (question or "").strip()
        if not q:
            raise InputError("Please type a question.")
        if len(q) > self.settings.max_question_chars:
            raise InputError(
                f"That question is {len(q):,} characters long; please keep it under "
                f"{self.settings.max_question_chars:,}."
            )
        return q


def _sha(corpus: Corpus, name: str) -> str:
    return next(a.sha256 for a in corpus.articles if a.name == name)


@lru_cache(maxsize=8)
def get_engine(settings: Settings) -> Engine:
    """One engine per settings per process, so models and indexes load once."""
    return Engine(settings)


def answer(
    question: str,
    *,
    article: str | list[str] | None = None,
    history: list[str] | tuple[str, ...] = (),
    settings: Settings | None = None,
) -> Answer:
    """Answer `question` about `article` (see Engine.answer); the entry point every front end uses."""
    return get_engine(settings or Settings.from_env()).answer(question, article, tuple(history))

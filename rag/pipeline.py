"""The one `answer(...)` that the CLI, the UI and the eval call, and ingesting into the library."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.answering import extractive_answer
from rag.chunking import chunk_article
from rag.config import Settings
from rag.embedding import Embedder, get_embedder
from rag.errors import InputError, RagError
from rag.history import resolve
from rag.loading import load_article
from rag.rerank import mask_names, rescore
from rag.retrieval import Corpus, Retriever
from rag.store import ArticleInfo, PendingPut, Store, chunker_signature
from rag.types import CANNOT_ANSWER, Answer, Article, Passage

if TYPE_CHECKING:  # LangChain's chat-model stack costs ~0.7 s to import: only LLM runs pay it
    from langchain_core.language_models.chat_models import BaseChatModel

ALL = "all"
_EMPTY = "The library is empty: add an article first with `rag ingest FILE`."
#: Units embedded per encode call when ingesting several articles: large enough that length
#: sorting removes most padding, small enough that results show up as they are written.
_EMBED_BATCH = 2048


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
        self._models: dict[str, BaseChatModel | None] = {}

    # -- library ---------------------------------------------------------------------------
    def ingest(self, source: str | Path | Article, name: str | None = None) -> IngestResult:
        """Add or replace an article; re-ingesting the same text writes nothing."""
        (result,) = self.ingest_many([source], name)  # runs the generator to its end
        return result

    def ingest_many(
        self, sources: Iterable[str | Path | Article], name: str | None = None
    ) -> Iterator[IngestResult]:
        """Add or replace several articles, yielding each result once it is visible to readers.

        Units of consecutive articles are embedded together (one large, length-sorted encode
        batch pads less than many small ones) and written by one background thread while the
        next group is encoded; each article is still written and flipped on its own, so a
        failure never leaves one half-indexed. A source that cannot be loaded stops the run
        after everything before it is written.
        """
        pending: list[tuple[PendingPut | None, Article, int, float]] = []
        chunker = chunker_signature(self.settings)

        def write(
            group: list[tuple[PendingPut | None, Article, int, float]], vectors: Any
        ) -> list[IngestResult]:
            out, at = [], 0
            for p, article, n, t0 in group:
                if p is not None:
                    with self._lock:
                        self.store.commit(p, vectors[at : at + len(p.texts)])
                    at += len(p.texts)
                out.append(IngestResult(article.name, n, p is not None, time.perf_counter() - t0))
            return out

        # One writer thread: Chroma writes one group while the model encodes the next.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="rag-ingest") as writer:
            inflight: deque[Future[list[IngestResult]]] = deque()

            def flush() -> None:
                todo = [p for p, *_ in pending if p is not None]
                vectors = self.embedder.embed([t for p in todo for t in p.texts]) if todo else None
                inflight.append(writer.submit(write, list(pending), vectors))
                pending.clear()

            queued = 0
            for source in sources:
                while inflight and inflight[0].done():
                    yield from inflight.popleft().result()
                t0 = time.perf_counter()
                try:
                    article = source if isinstance(source, Article) else load_article(source, name)
                except RagError:
                    flush()
                    while inflight:
                        yield from inflight.popleft().result()
                    raise
                chunks = chunk_article(article, self.settings.chunk_max_chars)
                p = self.store.prepare(article, chunks, chunker)
                pending.append((p, article, len(chunks), t0))
                queued += len(p.texts) if p else 0
                if queued >= _EMBED_BATCH:
                    flush()
                    queued = 0
            if pending:
                flush()
            while inflight:
                yield from inflight.popleft().result()

    def articles(self) -> list[ArticleInfo]:
        """The articles in the library."""
        return self.store.list_articles()

    def choose(self, article: str | list[str] | None) -> list[str]:
        """Resolve --article: a name, several names, 'all', or None when the library holds one."""
        return [a.name for a in self._choose(article)[0]]

    def _choose(self, article: str | list[str] | None) -> tuple[list[ArticleInfo], bool]:
        """The chosen articles, and whether they are the whole library (no version filter needed)."""
        if article is None or article == "":
            infos = self.articles()
            if len(infos) == 1:
                return infos, False
            if not infos:
                raise InputError(_EMPTY)
            raise InputError(
                f"The library holds {len(infos)} articles; choose one with --article NAME "
                f"(or --article all): {', '.join(a.name for a in infos)}."
            )
        wanted = article if isinstance(article, list) else [a.strip() for a in article.split(",")]
        if wanted == [ALL]:
            infos = self.articles()
            if not infos:
                raise InputError(_EMPTY)
            return infos, len(infos) > 1
        # Named articles: read just their records, not the whole library's (thousands of rows).
        found = {a.name: a for a in self.store.infos(wanted)}
        missing = [w for w in wanted if w not in found]
        if missing:
            names = [a.name for a in self.articles()]
            if not names:
                raise InputError(_EMPTY)
            raise InputError(
                f"No article named {missing[0]!r} in the library (articles: {', '.join(names)})."
            )
        chosen = [found[w] for w in dict.fromkeys(wanted)]
        return chosen, len(chosen) > 1 and len(chosen) == self.store.count()

    # -- answering -------------------------------------------------------------------------
    def answer(
        self,
        question: str,
        article: str | list[str] | None = None,
        history: list[str] | tuple[str, ...] = (),
        llm: str | None = None,
    ) -> Answer:
        """Answer a question about the chosen article(s) with cited passages, or decline."""
        result = None
        for event in self.stream(question, article, history, llm):
            if isinstance(event, Answer):
                result = event
        assert result is not None
        return result

    def stream(
        self,
        question: str,
        article: str | list[str] | None = None,
        history: list[str] | tuple[str, ...] = (),
        llm: str | None = None,
    ) -> Iterator[str | Answer]:
        """Yield the LLM's tokens as they come (none for the extractive answerer), then the Answer."""
        t0 = time.perf_counter()
        q = self.check_question(question)
        history = [h for h in history if h and h.strip()]
        backend = llm or self.settings.llm
        model = self.chat_model(backend)
        standalone = resolve(q, history)
        if model is not None and history and self.settings.condense == "llm":
            standalone = self._condense(model, q, history, standalone)
        chosen, everything = self._choose(article)
        corpus = self.retriever.corpus(chosen, everything=everything)
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
        timings = {"retrieve": (t1 - t0) * 1000}
        notes: list[str] = []
        text, refused, citations = draft.text, draft.refused, draft.citations
        used = "extractive"
        # The retrieval gate applies before any LLM call: no support, no generation.
        if model is not None and not draft.refused:
            from rag.generative import check, generate

            raw: list[str] = []
            try:
                whole = self._whole_article(corpus)
                shown = self._article_passages(corpus) if whole else passages[: self.settings.llm_passages]
                if self.settings.llm_context == "article" and not whole:
                    notes.append(
                        "The model read the top passages: whole-article mode takes one article of at "
                        f"most {self.settings.llm_article_chars:,} characters (RAG_LLM_ARTICLE_CHARS)."
                    )
                for piece in generate(model, standalone, shown, corpus, rescored.supports, whole):
                    if not raw:
                        timings["first_token"] = (time.perf_counter() - t0) * 1000
                    raw.append(piece)
                    yield piece
                checked = check("".join(raw), shown, corpus, standalone)
                if checked.refused and draft.support >= self.settings.confident_support:
                    # Small models often say "not in the article" when it is: strong quoted
                    # evidence outranks that (measured in README).
                    notes.append(
                        f"The {backend} model found no answer; showing the best-supported sentences."
                    )
                elif checked.refused:
                    text, refused, citations, used = CANNOT_ANSWER, True, [], backend
                elif checked.text:
                    text, citations, used = checked.text, checked.citations, backend
                    if checked.dropped:
                        notes.append(
                            f"{checked.dropped} unsupported sentence(s) removed from the {backend} answer."
                        )
                else:
                    notes.append(
                        f"The {backend} answer was not supported by the article; showing quoted sentences."
                    )
            except RagError as e:
                notes.append(f"{e}; showing the extractive answer.")
        t2 = time.perf_counter()
        timings["answer"] = (t2 - t1) * 1000
        timings["total"] = (t2 - t0) * 1000
        yield Answer(
            question=q,
            text=text,
            refused=refused,
            citations=citations,
            retrieved=passages,
            timings_ms=timings,
            standalone_question=standalone,
            backend=used,
            notes=notes,
        )

    def chat_model(self, backend: str) -> BaseChatModel | None:
        """The chat model for a backend, built once per engine."""
        if backend == "extractive":
            return None
        if backend not in self._models:
            from rag.llm import get_chat_model

            self._models[backend] = get_chat_model(self.settings, backend)
        return self._models[backend]

    def warm(self, article: str | list[str] | None = None, llm: str | None = None) -> float:
        """Load what the next question needs; with a whole-article LLM also compute the article's
        prompt prefix once, so the first question pays only for its own tokens. Returns seconds."""
        t0 = time.perf_counter()
        self.embedder.embed(["warm up"])
        model = self.chat_model(llm or self.settings.llm)
        if model is not None:
            chosen, everything = self._choose(article)
            corpus = self.retriever.corpus(chosen, everything=everything)
            if self._whole_article(corpus):
                from rag.generative import prime

                prime(model, self._article_passages(corpus), corpus)
        return time.perf_counter() - t0

    @staticmethod
    def _article_passages(corpus: Corpus) -> list[Passage]:
        return [Passage(chunk=c, score=0.0, rank=i) for i, c in enumerate(corpus.chunks, 1)]

    def _whole_article(self, corpus: Corpus) -> bool:
        """Whether the LLM reads the whole article (llm_context=article, one short article)."""
        return (
            self.settings.llm_context == "article"
            and len(corpus.articles) == 1
            and len(corpus.articles[0].text) <= self.settings.llm_article_chars
        )

    def _condense(self, model: BaseChatModel, q: str, history: list[str], fallback: str) -> str:
        from rag.generative import condense

        try:
            out = condense(model, q, history)
        except Exception:  # noqa: BLE001 - the rule-based question is a fine answer to any failure
            return fallback
        return out if 3 < len(out) < 300 and out.endswith("?") else fallback

    def _vectors(self, passages: list[Passage], corpus: Corpus) -> dict[tuple[int, int], np.ndarray]:
        """Vectors of every sentence of the passages: stored ones, or embedded now for chunk units."""
        if self.settings.embed_unit == "sentence":
            sha_by_chunk = {p.chunk.id: corpus.shas_by_name[p.chunk.article] for p in passages}
            return self.store.unit_vectors(list(sha_by_chunk), sha_by_chunk)
        spans = [(s.start, s.end, p.chunk.article) for p in passages for s in p.chunk.sentences]
        vecs = self.embedder.embed([corpus.texts[a][s:e] for s, e, a in spans])
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
    llm: str | None = None,
) -> Answer:
    """Answer `question` about `article` (see Engine.answer); the entry point every front end uses."""
    return get_engine(settings or Settings.from_env()).answer(question, article, tuple(history), llm)

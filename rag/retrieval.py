"""Hybrid retrieval: dense (Chroma) and BM25 ranks fused by reciprocal rank fusion.

Dense search runs over sentence vectors (each with its speaker context) and scores a chunk by
its best sentence; BM25 runs over whole chunks plus their context. Either alone misses things
the other finds (names and numbers vs. paraphrase); RRF needs no score calibration.
"""

from __future__ import annotations

import math
import threading
from collections import Counter, OrderedDict, defaultdict
from dataclasses import dataclass, field

import numpy as np

from rag.config import Settings
from rag.embedding import Embedder
from rag.store import ArticleInfo, Store
from rag.text import content_terms
from rag.types import Article, Chunk, Passage

RRF_K = 60
_MAX_CORPORA = 256


class BM25:
    """Okapi BM25 over pre-tokenised documents, with an inverted index for sparse scoring."""

    def __init__(self, docs: list[list[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.n = len(docs)
        self.k1, self.b = k1, b
        self.lengths = np.array([len(d) for d in docs], dtype=np.float32)
        self.avg = float(self.lengths.mean()) if self.n else 0.0
        lists: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for i, d in enumerate(docs):
            for term, tf in Counter(d).items():
                lists[term].append((i, tf))
        # Postings as arrays, so scoring a term is one vectorised step even over 100k chunks.
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {
            t: (np.array([i for i, _ in p], dtype=np.int64), np.array([f for _, f in p], dtype=np.float32))
            for t, p in lists.items()
        }
        self.idf = {
            t: math.log(1 + (self.n - len(p[0]) + 0.5) / (len(p[0]) + 0.5)) for t, p in self.postings.items()
        }
        self._norm = self.k1 * (1 - self.b + self.b * self.lengths / (self.avg or 1))

    def scores(self, query: list[str]) -> np.ndarray:
        """BM25 score of every document for the query terms."""
        out = np.zeros(self.n, dtype=np.float32)
        for term in set(query):
            idf = self.idf.get(term)
            if idf is None:
                continue
            idx, tf = self.postings[term]
            out[idx] += idf * tf * (self.k1 + 1) / (tf + self._norm[idx])
        return out

    def term_idf(self, term: str) -> float:
        """IDF of a term; unseen terms get the highest IDF the corpus could give."""
        return self.idf.get(term, math.log(1 + (self.n + 0.5) / 0.5))


@dataclass
class Corpus:
    """The chunks of the articles a question is asked of, with their lexical index."""

    articles: list[Article]
    chunks: list[Chunk]
    bm25: BM25
    shas: list[str]
    #: True when these are all the articles in the library (no need to filter by version).
    everything: bool = False
    #: Article name -> stored text (offsets refer to it); filled from `articles`.
    texts: dict[str, str] = field(default_factory=dict)
    shas_by_name: dict[str, str] = field(default_factory=dict)
    #: Chunk id -> position in `chunks` (built once: 100k entries cost 20 ms per question).
    position: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.texts = {a.name: a.text for a in self.articles}
        self.shas_by_name = {a.name: a.sha256 for a in self.articles}
        self.position = {c.id: i for i, c in enumerate(self.chunks)}

    def vocabulary_has(self, term: str) -> bool:
        """Whether a (stemmed) term occurs anywhere in these articles."""
        return term in self.bm25.idf


class Retriever:
    """Finds the passages of the chosen articles that best match a question."""

    def __init__(self, settings: Settings, store: Store, embedder: Embedder) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self._corpora: OrderedDict[tuple[str, ...], Corpus] = OrderedDict()
        self._lock = threading.Lock()

    def corpus(self, articles: list[ArticleInfo], everything: bool = False) -> Corpus:
        """Chunks and BM25 for these articles, cached until one of them changes."""
        key = (*(f"{a.name}@{a.sha}" for a in articles), str(everything))
        with self._lock:
            if key in self._corpora:
                self._corpora.move_to_end(key)
                return self._corpora[key]
            loaded = [self.store.get(a.name, a.sha) for a in articles]
            chunks = [c for _, cs in loaded for c in cs]
            bm25 = BM25([content_terms(c.index_text) for c in chunks])
            shas = list(dict.fromkeys(a.sha256 for a, _ in loaded))
            self._corpora[key] = Corpus([a for a, _ in loaded], chunks, bm25, shas, everything)
            # Least recently used goes first: a library-wide corpus (seconds to build at 100k
            # chunks) must not be dropped because many single articles were asked in between.
            while len(self._corpora) > _MAX_CORPORA:
                self._corpora.popitem(last=False)
            return self._corpora[key]

    def retrieve(
        self, query: str, corpus: Corpus, qvec: np.ndarray | None, k: int | None = None
    ) -> list[Passage]:
        """The top-k passages for the query, best first."""
        k = k or self.settings.top_k
        mode = self.settings.retrieval
        n_cand = self.settings.candidates
        by_id = corpus.position
        dense_best: dict[int, float] = {}
        if mode in ("hybrid", "dense") and qvec is not None:
            for meta, sim in self.store.dense(qvec, corpus.shas, n_cand, corpus.everything):
                i = by_id.get(str(meta["chunk_id"]))
                if i is None:
                    continue
                dense_best[i] = max(sim, dense_best.get(i, -1.0))
        lex = corpus.bm25.scores(content_terms(query)) if mode in ("hybrid", "bm25") else None
        fused: dict[int, float] = defaultdict(float)
        dense_rank = sorted(dense_best, key=lambda i: -dense_best[i])
        for r, i in enumerate(dense_rank):
            fused[i] += 1.0 / (RRF_K + r + 1)
        if lex is not None:
            lex_rank = [int(i) for i in np.argsort(-lex, kind="stable")[:n_cand] if lex[i] > 0]
            for r, i in enumerate(lex_rank):
                fused[i] += 1.0 / (RRF_K + r + 1)
        top = sorted(fused, key=lambda i: (-fused[i], i))[:k]
        best = (2.0 if mode == "hybrid" else 1.0) / (RRF_K + 1)
        return [
            Passage(
                chunk=corpus.chunks[i],
                score=fused[i] / best,
                rank=r + 1,
                dense=dense_best.get(i, 0.0),
                lexical=float(lex[i]) if lex is not None else 0.0,
            )
            for r, i in enumerate(top)
        ]

"""The index: Chroma (embedded on disk, or a Chroma server) through langchain-chroma.

Two collections: `rag_articles` holds each article's exact text and its chunk layout (one
record per article, its document a JSON object, so swapping in a new version is a single write;
its metadata stays small so listing a large library is cheap), and `rag_units` holds the
vectors (one per sentence or chunk) tagged with the article version (`sha`). Readers only see
units whose `sha` is the article's current version, so a half-written ingest is invisible.
This is the only module that imports chromadb and langchain_chroma.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from rag.config import Settings
from rag.embedding import Embedder
from rag.errors import IndexMismatchError, InputError, RagError
from rag.types import Article, Chunk, Sentence, content_hash

UNITS = "rag_units"
ARTICLES = "rag_articles"
#: One record whose document changes with every write to the library: listing thousands of
#: articles costs ~100 ms in Chroma, reading this token ~1 ms, so the list is re-read only
#: when it changed (in this process or any other sharing the index).
LIBRARY = "rag_library"
SCHEMA = 2
_BATCH = 2048  # rows per Chroma write (its sqlite limit is ~5k)
_clients: dict[str, Any] = {}
_clients_lock = threading.Lock()


@dataclass(frozen=True)
class ArticleInfo:
    """One row of `rag list`."""

    name: str
    title: str
    chunks: int
    indexed_at: str
    sha: str
    chars: int
    source: str
    chunker: str = ""


@dataclass
class PendingPut:
    """An article version ready to index once its unit texts are embedded (see Store.prepare)."""

    article: Article
    chunks: list[Chunk]
    chunker: str
    texts: list[str]
    ids: list[str]
    metas: list[dict[str, Any]]


def chunker_signature(settings: Settings) -> str:
    """What built the chunks; stored per article so a change re-chunks only what it must."""
    return f"para-v1/max{settings.chunk_max_chars}/{settings.embed_unit}"


def _client(settings: Settings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    key = settings.chroma_url or str(Path(settings.index_dir).resolve())
    with _clients_lock:
        if key not in _clients:
            cfg = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
            if settings.chroma_url:
                u = urlparse(settings.chroma_url)
                _clients[key] = chromadb.HttpClient(
                    host=u.hostname or "127.0.0.1",
                    port=u.port or 8000,
                    ssl=u.scheme == "https",
                    settings=cfg,
                )
            else:
                Path(key).mkdir(parents=True, exist_ok=True)
                _clients[key] = chromadb.PersistentClient(path=key, settings=cfg)
        return _clients[key]


class _LCEmbeddings:
    """Our embedder as a LangChain `Embeddings` (documents and queries alike)."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed(list(texts)).tolist()  # type: ignore[no-any-return]

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed([text])[0].tolist()  # type: ignore[no-any-return]


class Store:
    """Articles and their vectors. Construction is cheap; Chroma opens on first use."""

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self._units: Any = None
        self._articles: Any = None
        self._lock = threading.RLock()
        self._layout_cache: dict[str, tuple[Article, list[Chunk]]] = {}
        self._meta: Any = None
        self._list_cache: tuple[str, list[ArticleInfo]] | None = None

    @property
    def where(self) -> str:
        """Human description of where the index lives."""
        return self.settings.chroma_url or str(self.settings.index_dir)

    def manifest(self) -> dict[str, Any]:
        """What builds this index's vectors; a different one cannot share the collection."""
        return {
            "schema": SCHEMA,
            "embedder": self.embedder.name,
            "dim": self.embedder.dim,
            "embed_unit": self.settings.embed_unit,
            "embed_context": int(self.settings.embed_context),
            "space": "cosine",
        }

    # -- opening -------------------------------------------------------------------------
    def _open(self) -> None:
        if self._units is not None:
            return
        with self._lock:
            if self._units is not None:
                return
            from langchain_chroma import Chroma

            try:
                client = _client(self.settings)
                existing = {c.name if hasattr(c, "name") else str(c) for c in client.list_collections()}
            except Exception as e:  # noqa: BLE001 - any client failure means "cannot reach the index"
                raise RagError(f"Cannot open the index at {self.where}: {_short(e)}.") from None
            want = self.manifest()
            if UNITS in existing:
                have = dict(client.get_collection(UNITS).metadata or {})
                diff = {k: (have.get(k), v) for k, v in want.items() if str(have.get(k)) != str(v)}
                if diff:
                    what = ", ".join(f"{k} {a!r} (this run: {b!r})" for k, (a, b) in diff.items())
                    raise IndexMismatchError(
                        f"The index at {self.where} was built with {what}; rebuild it with "
                        f"`rag reindex` or choose the matching RAG_EMBEDDER/RAG_EMBED_UNIT."
                    )
            lc = _LCEmbeddings(self.embedder)
            self._articles = client.get_or_create_collection(
                ARTICLES, metadata={"schema": SCHEMA}, embedding_function=None
            )
            self._meta = client.get_or_create_collection(LIBRARY, embedding_function=None)
            self._units = Chroma(
                client=client,
                collection_name=UNITS,
                embedding_function=lc,  # type: ignore[arg-type]
                collection_metadata=want,
                collection_configuration={"hnsw": {"space": "cosine"}},
            )
            if not self.settings.chroma_url:
                Path(self.settings.index_dir, "manifest.json").write_text(
                    json.dumps(want, indent=2) + "\n", encoding="utf-8"
                )

    # -- articles ------------------------------------------------------------------------
    def _record(self, name: str) -> dict[str, Any] | None:
        self._open()
        got = self._articles.get(ids=[name], include=["metadatas", "documents"])
        if not got["ids"]:
            return None
        meta = dict(got["metadatas"][0] or {})
        meta.update(json.loads(got["documents"][0]))  # text and layout
        return meta

    def list_articles(self) -> list[ArticleInfo]:
        """Every article in the library, by name (re-read only when the library changed)."""
        self._open()
        version = self._version()
        cached = self._list_cache
        if version and cached and cached[0] == version:
            return list(cached[1])
        rows = self._infos(self._articles.get(include=["metadatas"]))
        self._list_cache = (version, rows)
        return list(rows)

    def _version(self) -> str:
        got = self._meta.get(ids=["library"], include=["documents"])
        return str(got["documents"][0]) if got["ids"] else ""

    def _changed(self) -> None:
        """Mark the library changed for every reader (see LIBRARY)."""
        self._meta.upsert(ids=["library"], documents=[uuid.uuid4().hex], embeddings=[[1.0]])

    def infos(self, names: list[str]) -> list[ArticleInfo]:
        """The named articles that exist (one indexed read, cheap in a library of thousands)."""
        self._open()
        return self._infos(self._articles.get(ids=list(dict.fromkeys(names)), include=["metadatas"]))

    def count(self) -> int:
        """How many articles the library holds."""
        self._open()
        return int(self._articles.count())

    @staticmethod
    def _infos(got: Any) -> list[ArticleInfo]:
        rows = [
            ArticleInfo(
                name=i,
                title=str(m.get("title", "")),
                chunks=int(m.get("n_chunks", 0)),
                indexed_at=str(m.get("indexed_at", "")),
                sha=str(m.get("sha", "")),
                chars=int(m.get("chars", 0)),
                source=str(m.get("source", "")),
                chunker=str(m.get("chunker", "")),
            )
            for i, m in zip(got["ids"], got["metadatas"], strict=True)
        ]
        return sorted(rows, key=lambda r: r.name)

    def get(self, name: str, sha: str | None = None) -> tuple[Article, list[Chunk]]:
        """An article and its chunks; raises InputError naming the known articles.

        With `sha` (from list_articles) a cached copy of that version is returned without a read.
        """
        cached = self._layout_cache.get(name)
        if sha and cached and cached[0].sha256 == sha:
            return cached
        rec = self._record(name)
        if rec is None:
            known = ", ".join(a.name for a in self.list_articles()) or "none yet; run `rag ingest FILE`"
            raise InputError(f"No article named {name!r} in the library (articles: {known}).")
        sha = str(rec["sha"])
        cached = self._layout_cache.get(name)
        if cached and cached[0].sha256 == sha:
            return cached
        article = Article(
            name=name,
            text=rec["text"],
            title=str(rec.get("title", "")),
            date=str(rec.get("date", "")),
            byline=str(rec.get("byline", "")),
            source=str(rec.get("source", "")),
        )
        chunks = _chunks_from_layout(article, rec["layout"])
        self._layout_cache[name] = (article, chunks)
        return article, chunks

    def prepare(self, article: Article, chunks: list[Chunk], chunker: str) -> PendingPut | None:
        """What indexing this version would write (its texts still to embed), or None if current."""
        rec = self._record(article.name)
        if rec and rec.get("sha") == article.sha256 and rec.get("chunker") == chunker:
            return None
        units = _units(article, chunks, self.settings.embed_unit, bool(self.settings.embed_context))
        ids = [content_hash(article.sha256, chunker, self.embedder.name, str(u[1]), str(u[2])) for u in units]
        metas: list[dict[str, Any]] = [
            {"article": article.name, "sha": article.sha256, "chunk_id": cid, "start": s, "end": e}
            for (_, s, e, cid) in units
        ]
        return PendingPut(article, chunks, chunker, [u[0] for u in units], ids, metas)

    def commit(self, p: PendingPut, vectors: np.ndarray) -> None:
        """Write a prepared version's vectors, then flip the article record to it (atomic for
        readers: they only see units of the version the record names)."""
        self._open()
        for i in range(0, len(p.ids), _BATCH):
            j = i + _BATCH
            self._write_units(p.ids[i:j], vectors[i:j], p.metas[i:j])
        article, chunks = p.article, p.chunks
        layout = [
            [c.id, c.start, c.end, c.context, [[s.start, s.end, s.context] for s in c.sentences]]
            for c in chunks
        ]
        meta = {
            "sha": article.sha256,
            "title": article.title,
            "date": article.date,
            "byline": article.byline,
            "source": article.source,
            "chunker": p.chunker,
            "n_chunks": len(chunks),
            "chars": len(article.text),
            "indexed_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        }
        doc = json.dumps({"text": article.text, "layout": layout}, ensure_ascii=False, separators=(",", ":"))
        # The flip: one record write makes the new version visible.
        self._articles.upsert(ids=[article.name], documents=[doc], metadatas=[meta], embeddings=[[1.0]])
        self._changed()
        self._delete_units({"$and": [{"article": article.name}, {"sha": {"$ne": article.sha256}}]})

    def _write_units(self, ids: list[str], vectors: np.ndarray, metas: list[dict[str, Any]]) -> None:
        """One batch of unit vectors, invisible to readers until the article record flips.

        The unit's text is not stored again (the article record holds it, offsets point into
        it): Chroma full-text-indexes documents, which made writes ~40% slower. LangChain skips
        results whose document is None, so the document is an empty string.
        """
        self._units._collection.upsert(
            ids=ids, embeddings=vectors, metadatas=metas, documents=[""] * len(ids)
        )

    def remove(self, name: str) -> None:
        """Delete an article and its vectors."""
        self.get(name)
        self._articles.delete(ids=[name])
        self._changed()
        self._delete_units({"article": name})
        self._layout_cache.pop(name, None)

    def _delete_units(self, where: dict[str, Any]) -> None:
        coll = self._units._collection
        while True:
            got = coll.get(where=where, include=[], limit=5000)
            if not got["ids"]:
                return
            coll.delete(ids=got["ids"])

    # -- search --------------------------------------------------------------------------
    def dense(
        self, vector: np.ndarray, shas: list[str], k: int, everything: bool = False
    ) -> list[tuple[dict[str, Any], float]]:
        """Top-k units of the given article versions by cosine similarity.

        `everything`: the shas are the whole library, so skip Chroma's metadata filter (a large
        `$in` filter costs more than the search) and drop stale versions here instead.
        """
        self._open()
        if everything:
            hits = self._units.similarity_search_by_vector_with_relevance_scores(vector.tolist(), k=2 * k)
            wanted = set(shas)
            hits = [(d, dist) for d, dist in hits if d.metadata.get("sha") in wanted][:k]
        else:
            where: dict[str, Any] = {"sha": shas[0]} if len(shas) == 1 else {"sha": {"$in": shas}}
            hits = self._units.similarity_search_by_vector_with_relevance_scores(
                vector.tolist(), k=k, filter=where
            )
        return [(dict(doc.metadata), 1.0 - float(dist)) for doc, dist in hits]

    def unit_vectors(
        self, chunk_ids: list[str], sha_by_chunk: dict[str, str]
    ) -> dict[tuple[int, int], np.ndarray]:
        """Stored vectors of every unit in the given chunks, keyed by (start, end)."""
        self._open()
        if not chunk_ids:
            return {}
        where = {"chunk_id": {"$in": chunk_ids}} if len(chunk_ids) > 1 else {"chunk_id": chunk_ids[0]}
        got = self._units._collection.get(where=where, include=["embeddings", "metadatas"])
        out = {}
        for m, v in zip(got["metadatas"], got["embeddings"], strict=True):
            if sha_by_chunk.get(str(m["chunk_id"])) == m["sha"]:
                out[(int(m["start"]), int(m["end"]))] = np.asarray(v, dtype=np.float32)
        return out


def _units(
    article: Article, chunks: list[Chunk], unit: str, with_context: bool
) -> list[tuple[str, int, int, str]]:
    """(text to embed, start, end, chunk id) for each vector; the context rides along."""
    out = []
    for c in chunks:
        if unit == "chunk":
            out.append((f"{c.context}: {c.text}" if c.context else c.text, c.start, c.end, c.id))
            continue
        for s in c.sentences:
            body = article.text[s.start : s.end]
            out.append((f"{s.context}: {body}" if s.context and with_context else body, s.start, s.end, c.id))
    return out


def _chunks_from_layout(article: Article, layout: list[Any]) -> list[Chunk]:
    return [
        Chunk(
            id=cid,
            article=article.name,
            index=i,
            start=s,
            end=e,
            text=article.text[s:e],
            sentences=tuple(Sentence(a, b, c) for a, b, c in sents),
            context=ctx,
        )
        for i, (cid, s, e, ctx, sents) in enumerate(layout)
    ]


def _short(e: Exception) -> str:
    msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return msg[:200].rstrip(".")


def start_chroma_server(path: Path, port: int, timeout: float = 60.0) -> subprocess.Popen[bytes]:
    """`chroma run` (this environment's) on 127.0.0.1:port over `path`, once it accepts
    connections (the benchmark and the server tests share it)."""
    chroma = Path(sys.executable).with_name("chroma")
    cmd = [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RagError(f"`chroma run` did not start on port {port} within {timeout:.0f} s.")


def ephemeral_vectorstore(embedder: Embedder, name: str) -> Any:
    """An in-memory LangChain Chroma store (used by the eval baselines), cosine space."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma

    client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
    return Chroma(
        client=client,
        collection_name=name,
        embedding_function=_LCEmbeddings(embedder),  # type: ignore[arg-type]
        collection_configuration={"hnsw": {"space": "cosine"}},
    )


def rebuild(settings: Settings, embedder: Embedder) -> list[Article]:
    """Drop every vector and return the stored articles, so they can be indexed again.

    The article texts live in their own collection, untouched by the embedder: a new embedder
    or chunking needs no source files. Works the same on disk and on a Chroma server.
    """
    client = _client(settings)
    got: Any = client.get_or_create_collection(ARTICLES).get(include=["metadatas", "documents"])
    keys = ("title", "date", "byline", "source")
    articles = [
        Article(name=i, text=json.loads(d)["text"], **{k: str((m or {}).get(k, "")) for k in keys})
        for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
    ]
    existing = {c.name if hasattr(c, "name") else str(c) for c in client.list_collections()}
    if UNITS in existing:
        client.delete_collection(UNITS)
    # Forget the chunker of every article so the next ingest re-chunks and re-embeds it.
    for a in articles:
        client.get_collection(ARTICLES).update(ids=[a.name], metadatas=[{"chunker": "", "sha": ""}])
    client.get_or_create_collection(LIBRARY, embedding_function=None).upsert(
        ids=["library"], documents=[uuid.uuid4().hex], embeddings=[[1.0]]
    )
    return articles

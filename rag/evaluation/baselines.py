"""Baselines measured beside our pipeline in the same run: LangChain's tutorial setup
(RecursiveCharacterTextSplitter 1000/200, top-4 dense similarity, same embedder)."""

from __future__ import annotations

from dataclasses import dataclass

from rag.embedding import Embedder
from rag.store import ephemeral_vectorstore
from rag.types import Article, Chunk, Passage, content_hash


@dataclass
class NaiveLangChain:
    """The tutorial RAG retriever over one article."""

    article: Article
    embedder: Embedder
    chunk_size: int = 1000
    chunk_overlap: int = 200
    k: int = 4

    def __post_init__(self) -> None:
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(
            chunk_size=self.chunk_size, chunk_overlap=self.chunk_overlap, add_start_index=True
        )
        docs = splitter.create_documents([self.article.text])
        self.store = ephemeral_vectorstore(self.embedder, "naive_" + content_hash(self.article.sha256)[:12])
        self.store.add_texts(
            [d.page_content for d in docs],
            [{"start": d.metadata["start_index"]} for d in docs],
            [f"n{i}" for i in range(len(docs))],
        )

    def retrieve(self, question: str) -> list[Passage]:
        """Top-k chunks by dense similarity, as the tutorial does."""
        hits = self.store.similarity_search_with_score(question, k=self.k)
        out = []
        for r, (doc, dist) in enumerate(hits):
            s = int(doc.metadata["start"])
            e = s + len(doc.page_content)
            chunk = Chunk(str(doc.id), self.article.name, r, s, e, doc.page_content)
            out.append(Passage(chunk, 1.0 - float(dist), r + 1))
        return out

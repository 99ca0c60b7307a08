"""LLM backends, all as LangChain chat models behind one factory (`--llm` / `RAG_LLM`).

- `local` / `local-0.5b`: the bundled Qwen2.5-Coder GGUF (or RAG_GGUF_PATH) run in-process by
  xllamacpp's prebuilt llama.cpp server; `OpenAICompatibleServer` exposes the same runtime over
  HTTP on loopback (used by tests of the `openai` backend).
- `openai`: any OpenAI-compatible server via langchain-openai (RAG_OPENAI_BASE_URL, _API_KEY, _MODEL).
- `ollama`: an Ollama server via langchain-ollama (RAG_OLLAMA_URL, RAG_OLLAMA_MODEL).
- `scripted`: a deterministic fake that replays given replies (tests).
This is the only module that imports xllamacpp, langchain_openai and langchain_ollama.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field

from rag.config import Settings
from rag.errors import BackendError, InputError

BACKENDS = ("extractive", "local", "local-0.5b", "openai", "ollama")
_LOCAL_MODELS = {"local": "qwen2.5-coder-1.5b", "local-0.5b": "qwen2.5-coder-0.5b"}


def _role(m: BaseMessage) -> str:
    return {"human": "user", "ai": "assistant", "system": "system"}.get(m.type, "user")


class ScriptedChatModel(BaseChatModel):
    """Replays `replies` in order (the last one repeats); streams them word by word."""

    replies: list[str]
    calls: list[list[dict[str, str]]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _next(self, messages: list[BaseMessage]) -> str:
        self.calls.append([{"role": _role(m), "content": str(m.content)} for m in messages])
        i = min(len(self.calls) - 1, len(self.replies) - 1)
        return self.replies[i]

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=self._next(messages)))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for word in self._next(messages).split(" "):
            yield ChatGenerationChunk(message=AIMessageChunk(content=word + " "))


@lru_cache(maxsize=2)
def _llama_server(model_path: str, n_ctx: int, threads: int, port: int = 0) -> Any:
    """One in-process llama.cpp server per model per process (loading takes seconds)."""
    import xllamacpp as xlc

    p = xlc.CommonParams()
    p.model.path = model_path
    p.n_ctx = n_ctx
    p.n_parallel = 1
    p.cpuparams.n_threads = threads
    p.cpuparams_batch.n_threads = threads
    p.cache_prompt = True
    p.hostnames = ["127.0.0.1"]
    p.port = port
    p.verbosity = int(os.environ.get("RAG_LLAMA_VERBOSITY", "-1"))
    try:
        return xlc.Server(p)
    except Exception as e:  # noqa: BLE001 - any load failure is one sentence for the user
        raise BackendError(f"Cannot load the model {Path(model_path).name}: {e}.") from None


class LocalChatModel(BaseChatModel):
    """A GGUF model run in-process by xllamacpp (llama.cpp), as a LangChain chat model."""

    model_path: str
    n_ctx: int = 4096
    threads: int = 2
    max_tokens: int = 200
    temperature: float = 0.0

    @property
    def _llm_type(self) -> str:
        return "xllamacpp"

    def _request(self, messages: list[BaseMessage], stream: bool) -> dict[str, Any]:
        return {
            "messages": [{"role": _role(m), "content": str(m.content)} for m in messages],
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "stream": stream,
        }

    def _server(self) -> Any:
        return _llama_server(self.model_path, self.n_ctx, self.threads)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        out = self._server().handle_chat_completions(self._request(messages, False))
        if not isinstance(out, dict) or "choices" not in out:
            raise BackendError(f"The local model returned an error: {str(out)[:200]}.")
        text = out["choices"][0]["message"].get("content") or ""
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        # The runtime calls back per token from a blocking call: bridge it to an iterator.
        q: queue.Queue[Any] = queue.Queue()
        done = object()

        def work() -> None:
            try:
                self._server().handle_chat_completions(self._request(messages, True), q.put)
            except Exception as e:  # noqa: BLE001 - handed to the consumer below
                q.put(e)
            q.put(done)

        threading.Thread(target=work, daemon=True).start()
        while (item := q.get()) is not done:
            if isinstance(item, Exception):
                raise BackendError(f"The local model failed: {item}.")
            for choice in item.get("choices", []) if isinstance(item, dict) else []:
                piece = (choice.get("delta") or {}).get("content")
                if piece:
                    if run_manager:
                        run_manager.on_llm_new_token(piece)
                    yield ChatGenerationChunk(message=AIMessageChunk(content=piece))


class OpenAICompatibleServer:
    """llama.cpp's OpenAI-compatible HTTP API on loopback, serving a GGUF (tests, local serving)."""

    def __init__(self, model_path: str | Path, port: int, n_ctx: int = 4096, threads: int = 2) -> None:
        self.server = _llama_server(str(model_path), n_ctx, threads, port)
        self.url = f"http://127.0.0.1:{port}/v1"


def gguf_for(settings: Settings, backend: str) -> str:
    """The GGUF file a local backend runs: RAG_GGUF_PATH, else the bundled model."""
    if settings.gguf_path:
        p = Path(settings.gguf_path)
        if not p.is_file():
            raise InputError(f"RAG_GGUF_PATH {p} is not a file.")
        return str(p)
    from rag.model_files import gguf_path

    return str(gguf_path(_LOCAL_MODELS[backend]))


def get_chat_model(settings: Settings, backend: str | None = None) -> BaseChatModel | None:
    """The chat model for a backend name; None for the extractive answerer (no LLM)."""
    name = backend or settings.llm
    if name == "extractive":
        return None
    if name in _LOCAL_MODELS:
        try:
            import xllamacpp  # noqa: F401
        except ImportError:
            raise BackendError(
                "The local LLM is not installed; run `make run LLM=local` or `pip install -e .[local-llm]`."
            ) from None
        return LocalChatModel(
            model_path=gguf_for(settings, name),
            threads=settings.llm_threads,
            max_tokens=settings.llm_max_tokens,
        )
    if name == "openai":
        from langchain_openai import ChatOpenAI

        base = settings.openai_base_url or os.environ.get("OPENAI_BASE_URL", "")
        key = settings.openai_api_key or os.environ.get("OPENAI_API_KEY", "") or "no-key"
        if not base:
            raise InputError(
                "Set RAG_OPENAI_BASE_URL (e.g. http://127.0.0.1:8080/v1) for the openai backend."
            )
        return ChatOpenAI(
            base_url=base,
            api_key=key,  # type: ignore[arg-type]
            model=settings.openai_model,
            temperature=0,
            timeout=settings.llm_timeout,
            max_retries=0,
            max_completion_tokens=settings.llm_max_tokens,
        )
    if name == "ollama":
        from langchain_ollama import ChatOllama

        return ChatOllama(
            base_url=settings.ollama_url,
            model=settings.ollama_model,
            temperature=0,
            num_predict=settings.llm_max_tokens,
            client_kwargs={"timeout": settings.llm_timeout},
        )
    raise InputError(f"Unknown LLM backend {name!r}: use one of {', '.join(BACKENDS)}.")

"""Shared fixtures. The network beyond loopback is blocked in every test: nothing may download."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "articles" / "china-daily-ai-gap-2024-03-11.txt"
SEED_NAME = "china-daily-ai-gap-2024-03-11"
GOLD = REPO / "eval" / "datasets" / f"{SEED_NAME}.jsonl"

_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: object) -> object:
    host = address[0] if isinstance(address, tuple) else str(address)
    if self.family in (socket.AF_INET, socket.AF_INET6) and host not in ("127.0.0.1", "::1", "localhost"):
        raise ConnectionRefusedError(f"test tried to reach {host}: the network is blocked in tests")
    return _real_connect(self, address)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


@pytest.fixture
def fake_settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Settings on a fresh temporary index with the hash embedder (no model)."""
    from rag.config import Settings

    return Settings(index_dir=tmp_path / "index", embedder="hash")


@pytest.fixture
def fake_engine(fake_settings):  # type: ignore[no-untyped-def]
    from rag.pipeline import Engine

    return Engine(fake_settings)

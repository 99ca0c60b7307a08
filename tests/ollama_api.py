"""Ollama's chat API on loopback, answered by a real model behind llama.cpp's server.

No Ollama binary can be installed offline (it is not on PyPI, npm or Debian), so the `ollama`
backend is tested against this translator: it speaks Ollama's wire protocol (`POST /api/chat`,
streamed as NDJSON, `GET /api/tags`) to langchain-ollama and forwards each chat to the bundled
GGUF served by llama.cpp's OpenAI-compatible server. The client side under test is unchanged.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from typing import Any


def _openai_stream(base_url: str, body: dict[str, Any]) -> Iterator[str]:
    opts = body.get("options") or {}
    req = {
        "messages": body.get("messages", []),
        "stream": True,
        "temperature": opts.get("temperature", 0),
        "max_tokens": opts.get("num_predict", 200),
    }
    r = urllib.request.Request(
        base_url.rstrip("/") + "/chat/completions",
        data=json.dumps(req).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(r, timeout=120) as resp:
        for line in resp:
            line = line.strip()
            if not line.startswith(b"data:") or line == b"data: [DONE]":
                continue
            for choice in json.loads(line[5:]).get("choices", []):
                piece = (choice.get("delta") or {}).get("content")
                if piece:
                    yield piece


def serve(openai_base_url: str) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Start the translator on a free loopback port; returns the server and its base URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def _json(self, obj: Any) -> None:
            data = json.dumps(obj).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/api/tags":
                self._json({"models": [{"name": "bundled", "model": "bundled"}]})
            else:
                self._json({"status": "Ollama is running"})

        def do_POST(self) -> None:
            if self.path != "/api/chat":
                self.send_error(404)
                return
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            model = body.get("model", "bundled")

            def msg(content: str, done: bool) -> dict[str, Any]:
                out: dict[str, Any] = {
                    "model": model,
                    "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "message": {"role": "assistant", "content": content},
                    "done": done,
                }
                if done:
                    out["done_reason"] = "stop"
                return out

            pieces = _openai_stream(openai_base_url, body)
            if not body.get("stream", True):
                self._json(msg("".join(pieces), True))
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/x-ndjson")
            self.end_headers()
            for piece in pieces:
                self.wfile.write(json.dumps(msg(piece, False)).encode() + b"\n")
                self.wfile.flush()
            self.wfile.write(json.dumps(msg("", True)).encode() + b"\n")

        def log_message(self, *args: object) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}"

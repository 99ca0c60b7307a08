"""The library under stress: atomic re-indexing, a killed ingest, and a real Chroma server."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.config import Settings
from rag.loading import article_from_text
from rag.pipeline import Engine
from rag.store import start_chroma_server
from tests.conftest import REPO

STORY = (
    "Harbour Report\n\nThe new harbour bridge can carry {n} vehicles a day, engineers said.\n\n"
    + "\n\n".join(f"Paragraph {i} describes the pier number {i} and its lamps." for i in range(40))
)


def test_readers_see_old_version_until_new_is_complete(tmp_path: Path) -> None:
    """While the new version's vectors are written, questions still get the old version."""
    e = Engine(Settings(index_dir=tmp_path / "i", embedder="hash"))
    e.ingest(article_from_text(STORY.format(n="40,000"), "harbour"))
    seen: list[str] = []
    real_add = e.store._write_units

    def add_and_ask(*args, **kwargs):  # type: ignore[no-untyped-def]
        out = real_add(*args, **kwargs)
        seen.append(e.answer("How many vehicles can the bridge carry a day?", "harbour").text)
        return out

    e.store._write_units = add_and_ask  # type: ignore[method-assign]
    e.ingest(article_from_text(STORY.format(n="55,000"), "harbour"))
    assert seen and all("40,000" in s for s in seen), seen
    assert "55,000" in e.answer("How many vehicles can the bridge carry a day?", "harbour").text


_KILL_SCRIPT = """
import sys, time
from rag.config import Settings
from rag.loading import article_from_text
from rag.pipeline import Engine
e = Engine(Settings(index_dir=sys.argv[1], embedder="hash"))
e.store._open()
real = e.store._write_units
def slow(*a, **k):
    out = real(*a, **k)
    print("batch written", flush=True)
    time.sleep(30)
    return out
e.store._write_units = slow
e.ingest(article_from_text(sys.argv[2], "harbour"))
"""


def test_sigkill_mid_ingest_leaves_previous_version(tmp_path: Path) -> None:
    index = tmp_path / "i"
    Engine(Settings(index_dir=index, embedder="hash")).ingest(
        article_from_text(STORY.format(n="40,000"), "harbour")
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILL_SCRIPT, str(index), STORY.format(n="55,000")],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "batch written"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # A fresh process: the old version answers, and the half-written one is invisible.
    code = (
        "import sys, json\nfrom rag.config import Settings\nfrom rag.pipeline import Engine\n"
        "e = Engine(Settings(index_dir=sys.argv[1], embedder='hash'))\n"
        "a = e.answer('How many vehicles can the bridge carry a day?', 'harbour')\n"
        "print(json.dumps([a.text, [x.name for x in e.articles()]]))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(index)], capture_output=True, text=True, cwd=REPO)
    text, names = json.loads(out.stdout)
    assert "40,000" in text and "55,000" not in text and names == ["harbour"]
    # Re-ingesting the new version then completes and cleans up the orphans.
    e = Engine(Settings(index_dir=index, embedder="hash"))
    e.ingest(article_from_text(STORY.format(n="55,000"), "harbour"))
    shas = {m["sha"] for m in e.store._units._collection.get(include=["metadatas"])["metadatas"]}
    assert shas == {e.store.get("harbour")[0].sha256}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[tuple[str, Path, int, dict[str, subprocess.Popen[bytes]]]]:
    port = _free_port()
    path = tmp_path / "chroma-data"
    state = {"proc": start_chroma_server(path, port)}
    yield f"http://127.0.0.1:{port}", path, port, state
    state["proc"].terminate()
    state["proc"].wait(timeout=20)


@pytest.mark.integration
def test_chroma_server_two_processes_and_restart(chroma_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, path, port, state = chroma_server
    env = dict(os.environ, RAG_CHROMA_URL=url, RAG_EMBEDDER="hash", RAG_INDEX_DIR=str(tmp_path / "unused"))
    story = tmp_path / "harbour.txt"
    story.write_text(STORY.format(n="40,000"), encoding="utf-8")
    rag = [sys.executable, "-m", "rag.cli"]
    subprocess.run([*rag, "ingest", str(story)], env=env, check=True, capture_output=True, cwd=REPO)
    ask = [*rag, "ask", "How many vehicles can the bridge carry a day?", "--json"]
    procs = [
        subprocess.Popen(ask, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
        for _ in range(2)
    ]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert "40,000" in json.loads(out)["answer"]
    assert not (tmp_path / "unused").exists(), "with a server, nothing is written to the local index"
    # Restart the server on the same data: the library is still there.
    state["proc"].terminate()
    state["proc"].wait(timeout=20)
    state["proc"] = start_chroma_server(path, port)
    again = subprocess.run(ask, env=env, capture_output=True, text=True, cwd=REPO, timeout=120)
    assert again.returncode == 0, again.stderr
    assert "40,000" in json.loads(again.stdout)["answer"]


def test_chroma_server_down_is_one_sentence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rag.cli import main

    url = f"http://127.0.0.1:{_free_port()}"
    assert main(["--chroma-url", url, "--embedder", "hash", "list"]) == 1
    err = capsys.readouterr().err
    assert "Cannot open the index" in err and "Traceback" not in err

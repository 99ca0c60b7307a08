"""The chat UI end to end: a real `python ui.py` server, a real headless Chromium (Debian's)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO, SEED

pytestmark = [pytest.mark.browser, pytest.mark.integration]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = REPO / "test-artifacts"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
HARBOUR = """Harbour Report

The new harbour bridge opened on Monday after six years of construction.

Engineer Priya Nair, the project lead at Coastline Builders, said the bridge can carry 40,000 vehicles a day.
"""
EVIL = """Evil Page

The museum opened a gallery of <script>window.__pwned = 1</script> glass sculptures in May.

Its curator said the <img src=x onerror="window.__pwned = 2"> collection holds 300 vases.
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    index = tmp_path_factory.mktemp("ui-index")
    env = dict(os.environ, RAG_INDEX_DIR=str(index))
    subprocess.run(
        [sys.executable, "-m", "rag.cli", "ingest", str(SEED)], env=env, check=True, capture_output=True
    )
    port = _free_port()
    log = open(tmp_path_factory.mktemp("ui-log") / "ui.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "ui.py"), "--port", str(port)], env=env, stdout=log, stderr=log, cwd=REPO
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"ui.py exited: {Path(log.name).read_text()[-2000:]}") from None
            time.sleep(0.5)
    else:
        proc.kill()
        raise RuntimeError("ui.py did not start listening in 90 s")
    yield url
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is missing: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        pg = browser.new_page()
        requests: list[str] = []
        pg.on("request", lambda r: requests.append(r.url))
        pg.requests = requests  # type: ignore[attr-defined,assignment,method-assign]
        pg.goto(server, wait_until="domcontentloaded")
        pg.get_by_placeholder("Ask a question about the article").wait_for(timeout=60_000)
        yield pg
        browser.close()


def _ask(page, question: str, expect: str | None = None, timeout: int = 60_000):  # type: ignore[no-untyped-def]
    before = page.get_by_test_id("bot").count()
    page.get_by_placeholder("Ask a question about the article").fill(question)
    page.get_by_role("button", name="Ask", exact=True).click()
    page.wait_for_function(
        "n => document.querySelectorAll('[data-testid=\"bot\"]').length > n", arg=before, timeout=timeout
    )
    bot = page.get_by_test_id("bot").last
    if expect:
        bot.get_by_text(expect).first.wait_for(timeout=timeout)
    return bot


def test_chat_answers_with_highlighted_source(page) -> None:  # type: ignore[no-untyped-def]
    bot = _ask(page, "What did Zhou Hongyi predict?")
    assert "1-2 years" in bot.inner_text()
    marked = bot.locator("mark").first.inner_text()
    assert "1-2 years" in marked
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat-answered.png"), full_page=True)


def test_follow_up_uses_the_conversation(page) -> None:  # type: ignore[no-untyped-def]
    bot = _ask(page, "What does he say 2024 should be?")
    assert "year of application" in bot.inner_text()


def test_refusal_looks_different(page) -> None:  # type: ignore[no-untyped-def]
    bot = _ask(page, "What is the capital of France?")
    assert bot.locator(".rag-refusal").count() == 1
    assert bot.locator("mark").count() == 0
    assert "does not say" in bot.inner_text()


def test_empty_question_gets_polite_message(page) -> None:  # type: ignore[no-untyped-def]
    bot = _ask(page, "   ")
    assert "Please type a question" in bot.inner_text()


def _upload(page, tmp_path: Path, name: str, text: str) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    page.locator("input[type=file]").first.set_input_files(str(f))
    page.get_by_text(f"Indexed {f.stem}").first.wait_for(timeout=60_000)
    # Switching to the new article starts a fresh chat.
    page.wait_for_function("() => document.querySelectorAll('[data-testid=\"bot\"]').length === 0")


def test_upload_then_ask(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _upload(page, tmp_path, "harbour.txt", HARBOUR)
    bot = _ask(page, "How many vehicles can the bridge carry a day?")
    assert "40,000" in bot.inner_text()
    assert "harbour" in bot.inner_text()


def test_script_in_article_runs_nothing(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _upload(page, tmp_path, "evil.txt", EVIL)
    bot = _ask(page, "What does the gallery show?")
    bot2 = _ask(page, "How many vases does the collection hold?")
    time.sleep(0.5)
    assert page.evaluate("window.__pwned") is None
    assert "<script>" in bot.inner_text() or "<img" in bot2.inner_text()


def test_page_loads_nothing_from_outside(page) -> None:  # type: ignore[no-untyped-def]
    outside = [u for u in page.requests if not u.startswith(("http://127.0.0.1", "data:", "blob:"))]
    assert not outside, outside


def test_api_chat_with_gradio_client(server: str) -> None:
    from gradio_client import Client

    client = Client(server, verbose=False)
    out = client.predict("What did Zhou Hongyi predict?", api_name="/chat")
    assert "1-2 years" in out and "[1]" in out and "Sources:" in out
    assert "does not say" in client.predict("What is the capital of France?", api_name="/chat")


def test_llm_answer_streams_into_the_chat(page) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("xllamacpp", reason="install the local-llm extra (make test does)")
    page.get_by_role("button", name="Clear chat").click()
    page.wait_for_function("() => document.querySelectorAll('[data-testid=\"bot\"]').length === 0")
    page.get_by_label("Article").first.click()
    page.get_by_role("option", name="china-daily-ai-gap-2024-03-11").click()
    page.get_by_label("Answerer (extractive needs no LLM)").click()
    page.get_by_role("option", name="local", exact=True).click()
    # Record every text the answer bubble shows while it grows.
    page.evaluate(
        """() => { window.__seen = [];
        new MutationObserver(() => { const b = document.querySelectorAll('[data-testid="bot"]');
          if (b.length) window.__seen.push(b[b.length - 1].innerText); })
        .observe(document.body, {subtree: true, childList: true, characterData: true}); }"""
    )
    bot = _ask(page, "Which company created Sora?", expect="Sources", timeout=180_000)
    assert "OpenAI" in bot.inner_text()
    partial = [t for t in page.evaluate("window.__seen") if t.strip().endswith("…") and len(t.strip()) > 2]
    assert partial, "tokens should appear before the checked answer"

from pathlib import Path

import pytest

from rag.errors import InputError
from rag.loading import article_from_text, load_article
from tests.conftest import SEED


def test_seed_article_text_is_kept_exactly() -> None:
    a = load_article(SEED)
    assert a.text == SEED.read_text(encoding="utf-8")
    assert a.name == "china-daily-ai-gap-2024-03-11"
    assert a.date == "2024-03-11"
    assert a.byline == "Ma Xuejing/China Daily"


def test_markdown_title_and_byline(tmp_path: Path) -> None:
    p = tmp_path / "note.md"
    p.write_text(
        "# Rivers of Europe\nBy Jane Doe\nMarch 3, 2021\n\nThe Rhine flows north.\n", encoding="utf-8"
    )
    a = load_article(p)
    assert (a.title, a.byline, a.date) == ("Rivers of Europe", "By Jane Doe", "March 3, 2021")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"   \n\n", "is empty"),
        ("bin.txt", b"\x00\x01\x02abc" * 10, "binary"),
        ("fake.pdf", b"%PDF-1.4 this is not really a pdf", "not a readable PDF"),
        ("pic.png", b"whatever", "unsupported file type"),
    ],
)
def test_bad_files_get_one_clear_sentence(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    p = tmp_path / name
    p.write_bytes(data)
    with pytest.raises(InputError, match=message):
        load_article(p)


def test_missing_file() -> None:
    with pytest.raises(InputError, match="No such file"):
        load_article("/nonexistent/article.txt")


def test_bad_name_rejected() -> None:
    with pytest.raises(InputError, match="Article name"):
        article_from_text("Some real words in a sentence here.", "../etc/passwd")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("Café crème brûlée is served daily in Paris.".encode("cp1252"), "Café crème brûlée"),
        ("“Quoted” text – with a dash in Lyon.".encode("cp1252"), "“Quoted” text – with"),
        ("Zürich has a lake and many bridges.".encode("utf-16"), "Zürich has a lake"),
        ("\ufeffBOM text stays clean in Oslo today.".encode("utf-8"), "BOM text stays"),
    ],
)
def test_encodings_detected(tmp_path: Path, data: bytes, expected: str) -> None:
    p = tmp_path / "enc.txt"
    p.write_bytes(data)
    assert load_article(p).text.startswith(expected)


HTML = """<html><head><title>Site | Bridges</title>
<meta property="og:title" content="The Harbour Bridge Opens">
<meta name="author" content="Jane Doe">
<meta property="article:published_time" content="2024-05-02T10:00:00Z">
<script>var tracking = "do not index me";</script><style>p {color: red}</style></head>
<body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
<div class="cookie-banner">We use cookies. Accept all?</div>
<article><h1>The Harbour Bridge Opens</h1>
<p>The bridge opened on Monday after six years of work.</p>
<p>It can carry <b>40,000</b> vehicles a day, engineers said.</p></article>
<footer>Copyright 2024. Subscribe to our newsletter.</footer></body></html>"""


def test_html_main_text_only(tmp_path: Path) -> None:
    p = tmp_path / "bridge.html"
    p.write_text(HTML, encoding="utf-8")
    a = load_article(p)
    assert "40,000 vehicles a day" in a.text and "opened on Monday" in a.text
    for junk in ("tracking", "color: red", "Home", "cookies", "Copyright", "newsletter"):
        assert junk not in a.text
    assert (a.title, a.byline, a.date) == ("The Harbour Bridge Opens", "Jane Doe", "2024-05-02")


def _pdf(path: Path, lines: list[str]) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title("Rivers Report")
    pdf.set_author("A. Writer")
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    for line in lines:
        pdf.multi_cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))


def test_pdf_text_layer(tmp_path: Path) -> None:
    p = tmp_path / "rivers.pdf"
    _pdf(p, ["The Rhine flows north to the sea.", "It is 1,230 kilometres long."])
    a = load_article(p)
    assert "1,230 kilometres" in a.text and a.title == "Rivers Report" and a.byline == "A. Writer"


def test_image_only_pdf_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "scan.pdf"
    _pdf(p, [])
    with pytest.raises(InputError, match="no text layer"):
        load_article(p)


def test_url_fetched_from_loopback_server(tmp_path: Path) -> None:
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = HTML.encode() if self.path.endswith(".html") else b"nope"
            self.send_response(200 if self.path.endswith(".html") else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{srv.server_address[1]}"
        a = load_article(f"{base}/news/harbour-bridge.html")
        assert a.name == "harbour-bridge" and "40,000" in a.text and a.source.startswith(base)
        with pytest.raises(InputError, match="HTTP 404"):
            load_article(f"{base}/missing")
    finally:
        srv.shutdown()


def test_unreachable_url_is_one_sentence() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(InputError, match="Cannot fetch"):
        load_article(f"http://127.0.0.1:{port}/a.html")

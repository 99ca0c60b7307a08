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
        ("latin.txt", "café crème brûlée ".encode("latin-1") * 5, "not valid UTF-8"),
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

from rag.chunking import chunk_article
from rag.loading import article_from_text, load_article
from rag.text import sentences, stem
from tests.conftest import SEED

STORY = """Lab Notes

Maria Lopez, a physicist at the Northern Institute, said the reactor design is sound.

“We tested it for two years. The results held,” Lopez said.

She added that funding ends in 2026.

Tom Baker, an engineer at Delta Works, disagreed.

“The cooling loop will fail under load. It cannot scale past ten units.

“We need a new pump,” said Mr. Baker.

The city council meets on Friday.
"""


def test_sentences_respect_abbreviations() -> None:
    t = "Mr. Zhou met Dr. Li at Acme Co., Ltd. in the U.S. yesterday. They spoke. Then GPT-4.0 came."
    got = [t[a:b] for a, b in sentences(t)]
    assert got == [
        "Mr. Zhou met Dr. Li at Acme Co., Ltd. in the U.S. yesterday.",
        "They spoke.",
        "Then GPT-4.0 came.",
    ]


def test_stem_groups_word_forms() -> None:
    assert stem("predicted") == stem("predict") == stem("predicts")
    assert stem("companies") == stem("company")


def test_chunks_keep_exact_offsets_on_seed() -> None:
    a = load_article(SEED)
    chunks = chunk_article(a, 700)
    assert chunks and all(a.text[c.start : c.end] == c.text for c in chunks)
    for c in chunks:
        assert all(c.start <= s.start < s.end <= c.end for s in c.sentences)
    # Every non-blank character of the article is in some chunk.
    covered: set[int] = set()
    for c in chunks:
        covered.update(range(c.start, c.end))
    assert all(i in covered for i, ch in enumerate(a.text) if not ch.isspace())


def test_speakers_resolved_from_surname_pronoun_and_run_on_quotes() -> None:
    a = article_from_text(STORY, "lab")
    chunks = chunk_article(a, 700)
    by_text = {c.text.split("\n")[0][:20]: c for c in chunks}
    lopez_quote = next(c for c in chunks if "two years" in c.text)
    assert "Maria Lopez, a physicist at the Northern Institute" in lopez_quote.context
    pump = next(c for c in chunks if "new pump" in c.text)
    assert "Tom Baker, an engineer at Delta Works" in pump.context
    # The quote that runs on into the next paragraph is one chunk with its closing line.
    assert "cooling loop" in pump.text
    council = next(c for c in chunks if "council" in c.text)
    assert council.context == ""
    assert by_text


def test_long_paragraphs_split_at_sentences() -> None:
    body = " ".join(f"Sentence number {i} talks about rivers and hills." for i in range(60))
    a = article_from_text(body, "long")
    chunks = chunk_article(a, 300)
    assert len(chunks) > 5
    assert all(len(c.text) <= 300 for c in chunks)
    assert all(c.text.endswith(".") for c in chunks)

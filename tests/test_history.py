import pytest

from rag.history import resolve


@pytest.mark.parametrize(
    ("history", "question", "expected"),
    [
        (["Who is Maria Lopez?"], "What did she find?", "What did Maria Lopez find?"),
        (["What is the Hubble telescope?"], "Who built it?", "Who built the Hubble telescope?"),
        (
            ["What does Tom Baker think of the pump?"],
            "Why does he dislike it?",
            "Why does Tom Baker dislike the pump?",
        ),
        (["Who is Ana Ruiz?"], "What is his role?", "What is Ana Ruiz's role?"),
        ([], "What did he say?", "What did he say?"),
        (["Who is Maria Lopez?"], "What is the budget?", "What is the budget?"),
    ],
)
def test_follow_ups_become_standalone(history: list[str], question: str, expected: str) -> None:
    assert resolve(question, history) == expected


def test_latest_person_wins() -> None:
    assert resolve("What did he say?", ["Who is Ann Lee?", "Who is Bob Stone?"]) == "What did Bob Stone say?"

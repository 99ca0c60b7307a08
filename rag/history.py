"""Follow-up questions: make "What did he predict?" standalone using the earlier turns.

Rule-based and deterministic (no model): the latest person named in the history replaces
he/she/him/her (his/her become "X's"), and the latest topic replaces it/that/this. The same
function serves the CLI, the UI and the eval. An LLM condenser can replace it (issue 5).
"""

from __future__ import annotations

import re

_NAME = re.compile(
    r"\b([A-Z][a-z]+(?:[ -][A-Z][a-z]+){1,2}(?: (?:of|from|at) (?:the )?[A-Z][\w.-]*(?: [A-Z][\w.-]*)*)?)"
)
_SUBJECT = re.compile(
    r"^(?:who|what|which|how|why|when|where)\s+(?:is|are|was|were|does|did|do|has|have|will|would|can)\s+"
    r"(?P<subj>.+?)(?:\s+(?:say|said|think|thinks|mean|do|predict|believe|propose|argue|about|of|on)\b.*)?[?.!]*$",
    re.I,
)
_ABOUT = re.compile(
    r".*\b(?:about|of|on|with|regarding)\s+(?P<obj>(?:the\s+)?[A-Za-z0-9][\w.\-' ]*?)\s*[?.!]*$", re.I
)
_PERSON_PRON = re.compile(r"\b(he|she|him|her|his|hers)\b", re.I)
_THING_PRON = re.compile(r"\b(it|its|this|that|they|them|their)\b", re.I)
_ORG = re.compile(r"\b(Institute|Academy|University|Committee|Company|Technology|Group|Council|Commission)\b")


def _person(text: str) -> str | None:
    """The last capitalised name in text that looks like a person (not an organisation)."""
    names = [m.group(1) for m in _NAME.finditer(text)]
    names = [n for n in names if not _ORG.search(n.split(" of ")[0].split(" from ")[0].split(" at ")[0])]
    return names[-1] if names else None


def _topic(text: str, person: str | None) -> str | None:
    """The thing an earlier question was about: its object ("about X") or its subject."""
    t = text.strip()
    m = _SUBJECT.match(t)
    subj = m.group("subj").strip() if m else None
    if subj and not (person and person.split(" of ")[0] in subj):
        return subj  # the subject is a thing: "What is Sora?" -> Sora
    m = _ABOUT.match(t)
    if m and (not person or m.group("obj") not in person):
        return m.group("obj").strip()  # a person's view of a thing -> the thing
    return None


def resolve(question: str, history: list[str] | tuple[str, ...]) -> str:
    """A standalone version of `question` given earlier user turns (latest last)."""
    q = question.strip()
    if not history or not (_PERSON_PRON.search(q) or _THING_PRON.search(q)):
        return q
    person = topic = None
    for turn in reversed(history):
        person = person or _person(turn)
        topic = topic or _topic(turn, _person(turn))
        if person and topic:
            break
    out = q
    if person and _PERSON_PRON.search(out):

        def sub_person(m: re.Match[str]) -> str:
            w = m.group(1).lower()
            return f"{person}'s" if w in ("his", "hers") else person  # type: ignore[return-value]

        # "her" is ambiguous (object or possessive); the possessive reading is rarer in questions.
        out = _PERSON_PRON.sub(sub_person, out, count=1)
    if topic and _THING_PRON.search(out):
        first = _THING_PRON.search(out)
        assert first is not None
        w = first.group(1).lower()
        # "that" often starts a clause ("say that ..."): only replace it as a determiner-free object.
        if not (w == "that" and re.search(r"\bthat\s+\w+\s+\w+", out[first.start() :])):
            rep = f"{topic}'s" if w in ("its", "their") else topic
            out = out[: first.start()] + rep + out[first.end() :]
    return out

"""Errors a user can act on: each carries one sentence meant to be shown as is."""


class RagError(Exception):
    """Base class: the message is a complete sentence for the user."""

    exit_code = 1


class InputError(RagError):
    """Bad input from the user (question, file, dataset line, article name)."""

    exit_code = 2


class IndexMismatchError(RagError):
    """The index was built by a different embedder or chunker than this run uses."""

    exit_code = 2


class BackendError(RagError):
    """A model or server backend failed (down, timeout, garbage output)."""

"""The exception the client raises when the server answers with an error."""

from __future__ import annotations

from typing import Any

__all__ = ["QuarryError", "RecallDropWarning"]


class QuarryError(Exception):
    """An error answer of ``quarry serve``, carrying what the server said.

    Attributes:
        status: the HTTP status (400 a bad request, 401 unauthorized, 404, 409 a refresh already
            running, 500 internal error, 503 overloaded), or ``None`` for a failure the server
            reported without an error status (a failed index refresh, a malformed answer).
        message: the server's message, e.g. ``"num_negatives=0, expected >= 1"``.
        field, value, expected: the request field at fault, the value sent (as the server read it: text)
            and what the server expected, from the server's JSON error (400 answers); else ``None``.
            ``field`` is the setting's name in the request schema (``"num_negatives"``), or a part of
            the request (``"positives[3]"``, ``"anchor_ids[0]"``).
        error: the server's short error name (``"bad_request"``, ``"unauthorized"``, ``"overloaded"``,
            ``"no_store"``, ``"refresh_running"``, ...).
        retry_after: seconds the server asked to wait (503 answers' ``Retry-After``), else ``None``.
        body: the decoded JSON body of the answer (or its text when it was not JSON).
    """

    def __init__(self, status: int | None, message: str, field: str | None = None, value: str | None = None,
                 expected: str | None = None, *, error: str | None = None, retry_after: float | None = None,
                 body: Any = None) -> None:
        super().__init__(status, message)
        self.status = status
        self.message = message
        self.field = field
        self.value = value
        self.expected = expected
        self.error = error
        self.retry_after = retry_after
        self.body = body

    def __str__(self) -> str:
        where = "quarry serve" if self.status is None else f"HTTP {self.status}"
        if self.error and self.error != self.message:
            return f"{where} {self.error}: {self.message}"
        return f"{where}: {self.message}"

    def __repr__(self) -> str:
        return (f"QuarryError(status={self.status!r}, message={self.message!r}, field={self.field!r}, "
                f"value={self.value!r}, expected={self.expected!r})")


class RecallDropWarning(UserWarning):
    """Warned by :meth:`Client.refresh` when the new index version's held-out recall@10 fell more than
    the server's ``--recall-drop`` below the best version so far. The message carries the figures and
    the server's advice: the mined negatives hold too many false negatives (unlabelled positives), so
    filter by confidence (margins) or select negatives more softly (sampling within a window)."""

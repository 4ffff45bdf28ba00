"""The catalogue of domain errors the core raises; the servicer maps them to status codes.

Each error has a stable code (``E101``) and a message template; raise with
``Errors.E101.error(field="items[2].dose", problem="must be > 0")``.
"""
from __future__ import annotations

import enum


class ReviewError(Exception):
    """A domain error: a stable code, a kind that decides the status code, a message."""

    def __init__(self, code: str, kind: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.kind = kind
        self.message = message

    def __reduce__(self) -> tuple[type["ReviewError"], tuple[str, str, str]]:
        return (ReviewError, (self.code, self.kind, self.message))


class Kind(str, enum.Enum):
    INVALID = "invalid"            # -> INVALID_ARGUMENT
    NOT_FOUND = "not_found"        # -> NOT_FOUND
    CONFLICT = "conflict"          # -> FAILED_PRECONDITION
    EXHAUSTED = "exhausted"        # -> RESOURCE_EXHAUSTED
    UNAVAILABLE = "unavailable"    # -> UNAVAILABLE


class Errors(enum.Enum):
    """Every error the core may raise, with its template."""

    E101 = (Kind.INVALID, "{field}: {problem}")
    E102 = (Kind.INVALID, "{field}: required")
    E103 = (Kind.INVALID, "{field}: {value!r} is not a valid {what}")
    E201 = (Kind.NOT_FOUND, "review {review_id} not found")
    E301 = (Kind.CONFLICT, "review {review_id} is {state}: {action} is not allowed")
    E302 = (Kind.CONFLICT, "revision version {version} must be above {previous}")
    E303 = (Kind.CONFLICT, "the idempotency key was reused with a different prescription")
    E304 = (Kind.CONFLICT, "review {review_id} is claimed by another pharmacist")
    E401 = (Kind.EXHAUSTED, "the review queue is full ({depth} held); try again later")
    E501 = (Kind.UNAVAILABLE, "the service is shutting down")
    E502 = (Kind.UNAVAILABLE, "the store is unavailable; nothing was recorded, try again")

    def error(self, **values: object) -> ReviewError:
        kind, template = self.value
        return ReviewError(self.name, kind.value, template.format(**values))

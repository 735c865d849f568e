"""Why a review request was refused, in words for the person who made it.

Services raise these; the API answers ``{"detail": message}`` with the error's status.
"""


class ReviewError(Exception):
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ReviewInvalid(ReviewError):
    """The request itself is wrong (bad runs, names, series): 400."""


class ReviewConflict(ReviewError):
    """The request is fine but the structure set is not in a state that allows it: 409."""

    status = 409


class ReviewNotFound(ReviewError):
    status = 404

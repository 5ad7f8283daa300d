"""Problems a person can fix, carried up to the handler that tells them."""

from __future__ import annotations


class UserFacingError(Exception):
    """Something the person asked for cannot happen; ``message`` says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(UserFacingError):
    pass


class ProgramNotFound(UserFacingError):
    pass


class NotAMember(UserFacingError):
    pass


class CannotJoin(UserFacingError):
    pass

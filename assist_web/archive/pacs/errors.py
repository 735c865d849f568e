"""Why a PACS could not answer, in words for the person who asked."""


class PacsError(Exception):
    """The PACS could not answer; ``message`` says why in words for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PacsUnreachable(PacsError):
    pass


class PacsAuthenticationFailed(PacsError):
    pass


class AnswerTooLarge(Exception):
    """An answer's body grew past its limit (``limit`` bytes); the connection has been closed.
    The client turns it into a PacsError naming the PACS and the request."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} bytes")
        self.limit = limit


class AnswerTooSlow(Exception):
    """An answer's body came in slower than the client waits for (``received`` bytes in
    ``seconds``); the connection has been closed. The client turns it into a PacsError."""

    def __init__(self, received: int, seconds: float) -> None:
        super().__init__(f"{received} bytes in {seconds:.0f} s")
        self.received = received
        self.seconds = seconds

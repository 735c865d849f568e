"""Which failures are worth retrying: the job's fate depends on telling them apart.

A transient error (the site restarting, a proxy timing out) goes away by itself, so the
worker retries with backoff and, if it persists, reports it as transient so the site may
requeue. A permanent one (a missing series, a study that cannot be put on one grid, a 4xx
answer) would fail the same way every time: the job fails at once with a reason a person can
act on.
"""

import requests

from workers.geometry import GeometryError

# Gateway and availability answers: the site or its proxy is restarting or overloaded.
TRANSIENT_STATUS = frozenset({408, 429, 500, 502, 503, 504})


class JobError(Exception):
    """A failure with a reason written for the person who reads the job's state."""

    transient: bool = False

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TransientError(JobError):
    transient = True


class PermanentError(JobError):
    transient = False


def is_transient(error: BaseException) -> bool:
    """True for errors that another try may not meet."""
    if isinstance(error, JobError):
        return error.transient
    if isinstance(error, requests.HTTPError):
        response = error.response
        return response is not None and response.status_code in TRANSIENT_STATUS
    return isinstance(error, requests.ConnectionError | requests.Timeout | ConnectionError
                      | TimeoutError)


def failure_reason(error: BaseException) -> str:
    """What to tell the person looking at a failed job (no patient data, no stack trace)."""
    if isinstance(error, JobError):
        return error.reason
    if isinstance(error, GeometryError):
        return f"The images cannot be combined into one volume: {error}"
    if isinstance(error, requests.HTTPError) and error.response is not None:
        response = error.response
        return (f"The site answered {response.status_code} {response.reason} to "
                f"{response.request.method if response.request else 'a request'} "
                f"{_path(response.url)}.")
    if isinstance(error, requests.ConnectionError | ConnectionError):
        return "The site could not be reached."
    if isinstance(error, requests.Timeout | TimeoutError):
        return "The site did not answer in time."
    return f"Unexpected error in the inference worker ({type(error).__name__})."


def _path(url: str) -> str:
    # Only the path: query strings of DICOMweb searches could carry identifiers.
    return requests.utils.urlparse(url).path

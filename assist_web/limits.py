"""Request-size limit applied before any view or CSRF check reads the body."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse


class RequestSizeLimitMiddleware:
    """Refuse a body larger than ASSIST_MAX_UPLOAD_BYTES from its Content-Length.

    Without this, Django would spool the whole body to disk (CSRF checks read the form)
    before the view could refuse it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse({"detail": "Content-Length is not a number."}, status=400)
        limit = settings.ASSIST_MAX_UPLOAD_BYTES
        if length > limit:
            return JsonResponse(
                {
                    "detail": f"The upload is {length} bytes; this site accepts at most {limit} "
                    "bytes per request. Send the files in smaller batches."
                },
                status=413,
            )
        return self.get_response(request)

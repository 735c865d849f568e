"""The worklist over REST: the page's script polls it to follow jobs and reviews live."""

from django.http import HttpRequest
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assist_web.accounts.audit import audit_record
from assist_web.accounts.models import AuditEvent, Role
from assist_web.accounts.permissions import HasRole
from assist_web.contours.worklist import MAX_QUERY_LENGTH, STATES, WorklistPage, worklist_get


class MayReadWorklist(HasRole):
    """People who see patient data; worker identities reach studies only through their jobs."""

    message = "Only physicians, physicists and site admins may see the worklist."
    roles = frozenset({Role.PHYSICIAN, Role.PHYSICIST, Role.SITE_ADMIN})


class WorklistFilterSerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=MAX_QUERY_LENGTH,
        trim_whitespace=True,
    )
    state = serializers.ChoiceField(choices=["", *STATES], required=False, default="")
    page = serializers.IntegerField(required=False, default=1, min_value=1, max_value=1_000_000)


def worklist_page_json(page: WorklistPage) -> dict[str, object]:
    return {
        "count": page.count,
        "page": page.number,
        "num_pages": page.num_pages,
        "results": [row.as_json() for row in page.rows],
    }


def worklist_audit(request: HttpRequest | Request, page: WorklistPage) -> None:
    """A worklist shows patients: recorded as a search of the studies on the page."""
    audit_record(
        request=request,
        action=AuditEvent.Action.SEARCH,
        study_uids=[row.study_uid for row in page.rows],
        resource=request.path,
    )


class WorklistApi(APIView):
    """GET ?q=<name or ID>&state=<review or job state>&page=<n>: one page of the worklist."""

    permission_classes = [MayReadWorklist]

    def get(self, request: Request) -> Response:
        params = WorklistFilterSerializer(data=request.query_params)
        if not params.is_valid():
            field, errors = next(iter(params.errors.items()))
            return Response({"detail": f"{field}: {errors[0]}"}, status=400)
        page = worklist_get(
            query=params.validated_data["q"],
            state=params.validated_data["state"],
            page=params.validated_data["page"],
        )
        worklist_audit(request, page)
        return Response(worklist_page_json(page))

"""The JSON of structure sets and revisions, as the review API contract shapes it."""

from django.db.models import Prefetch

from assist_web.accounts.models import User
from assist_web.contours.models import Revision, StructureSet
from assist_web.contours.review_state import editor_current, review_state


def user_json(user: User | None) -> dict[str, str] | None:
    if user is None:
        return None
    return {"username": user.get_username(), "name": user.get_full_name() or user.get_username()}


def revisions_for_json() -> Prefetch:
    return Prefetch(
        "revisions",
        queryset=Revision.objects.select_related(
            "author", "model_version", "approval__approved_by"
        ).order_by("number"),
    )


def revision_json(revision: Revision) -> dict[str, object]:
    approval = getattr(revision, "approval", None)
    model = revision.model_version
    return {
        "id": revision.pk,
        "number": revision.number,
        "parent_id": revision.parent_id,
        "source": revision.source,
        "author": user_json(revision.author),
        "created_at": revision.created_at.isoformat(),
        "state": revision.state,
        "error": revision.error,
        "model_version": (
            {"id": model.pk, "name": model.name, "version": model.version} if model else None
        ),
        "structures": revision.structures,
        "approval": (
            {
                "by": user_json(approval.approved_by),
                "at": approval.approved_at.isoformat(),
                "rtstruct_sop_instance_uid": approval.rtstruct_sop_instance_uid,
            }
            if approval is not None
            else None
        ),
    }


def editor_json(structure_set: StructureSet) -> dict[str, str] | None:
    """Who edits the set now, and their last heartbeat; None when nobody does."""
    editor = editor_current(structure_set=structure_set)
    if editor is None or structure_set.editing_since is None:
        return None
    return {**(user_json(editor) or {}), "since": structure_set.editing_since.isoformat()}


def structure_set_json(structure_set: StructureSet) -> dict[str, object]:
    revisions = list(structure_set.revisions.all())  # prefetched in number order
    ai = next((r for r in revisions if r.source == Revision.Source.AI), None)
    newest = max(revisions, key=lambda r: r.number, default=None)
    return {
        "id": structure_set.pk,
        "study_uid": structure_set.study.study_instance_uid,
        "review_state": review_state(structure_set=structure_set),
        "editor": editor_json(structure_set),
        "ai_revision_id": ai.pk if ai else None,
        "current_revision_id": newest.pk if newest else None,
        "revisions": [revision_json(r) for r in revisions],
    }


def structure_set_load(*, pk: int) -> StructureSet:
    """The set with what its JSON needs, in a few queries; DoesNotExist if there is none."""
    return (
        StructureSet.objects.select_related("study", "editor")
        .prefetch_related(revisions_for_json())
        .get(pk=pk)
    )

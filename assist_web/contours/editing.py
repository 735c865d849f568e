"""Who is editing a structure set: a notice for other reviewers, refreshed by a heartbeat.

It is not a lock (saving on a stale parent is what gets refused); a claim younger than
EDITING_TIMEOUT keeps others from taking the notice over, an older one counts as gone.
"""

from django.db import transaction
from django.utils import timezone

from assist_web.accounts.models import User
from assist_web.contours.errors import ReviewConflict
from assist_web.contours.models import StructureSet
from assist_web.contours.review_state import editor_current


@transaction.atomic
def editing_claim(*, structure_set: StructureSet, user: User) -> StructureSet:
    """Claim the set for ``user``, or refresh their claim; someone else's live claim stays.

    Returns the set as it now stands (``editor_current`` says who holds it).
    """
    locked = (
        StructureSet.objects.select_for_update(of=("self",))
        .select_related("editor")
        .get(pk=structure_set.pk)
    )
    now = timezone.now()
    holder = editor_current(structure_set=locked, now=now)
    if holder is None or holder.pk == user.pk:
        if holder is None:
            locked.editor = user
        locked.editing_since = now
        locked.save(update_fields=["editor", "editing_since"])
    return locked


@transaction.atomic
def editing_release(*, structure_set: StructureSet, user: User) -> StructureSet:
    """End ``user``'s claim; someone else's live claim is theirs to end."""
    locked = (
        StructureSet.objects.select_for_update(of=("self",))
        .select_related("editor")
        .get(pk=structure_set.pk)
    )
    holder = editor_current(structure_set=locked)
    if holder is not None and holder.pk != user.pk:
        name = holder.get_full_name() or holder.get_username()
        raise ReviewConflict(f"{name} is editing this structure set; only they can release it.")
    if locked.editor_id is not None:
        locked.editor = None
        locked.editing_since = None
        locked.save(update_fields=["editor", "editing_since"])
    return locked

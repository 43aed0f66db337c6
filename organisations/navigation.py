"""The navigation every signed-in page shows: the user's organisations and roles, whether they
sit on the steering group, and how many notifications they have not read.

Three queries on every page are the largest part of a simple page's cost, and the answer
changes rarely, so it is kept in the cache per user and dropped whenever something it shows
changes (signals below, and `forget()` for bulk updates that send no signal). The cached copy
only draws links: every view still checks permissions against the database. A short timeout
bounds any change made behind the ORM's back (raw SQL, a restore).
"""

import contextlib
import itertools
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from isf_portal.compiled import CompiledRead
from notifications.models import Notification
from notifications.signals import notifications_created, notifications_read

from .models import Membership, Organisation, SteeringGroupMember, User

KEY = "isf:nav:v2:{}"  # v2: no "insight"; role values added


def _key(user_id) -> str:
    return KEY.format(user_id)


# What a first visit reads (the cache missed), compiled once (isf_portal/compiled.py): the same
# statements selectors.memberships_of / steering_seat_of and the unread count ran through the
# ORM, whose building cost more than running them.
_memberships = CompiledRead(  # memberships_of(user=...): the model's ordering, by name
    lambda user_id: Membership.objects.filter(
        user_id=user_id, organisation__is_active=True
    ).select_related("organisation"),
    user_id=int,
)
_seat = CompiledRead(
    lambda user_id: SteeringGroupMember.objects.filter(user_id=user_id).values_list("pk")[:1],
    user_id=int,
)
_unread = CompiledRead(  # COUNT(*) of the unread, as one group (no row: none)
    lambda user_id: (
        Notification.objects.filter(user_id=user_id, read_at__isnull=True)
        .order_by()
        .values("user_id")
        .annotate(n=Count("*"))
        .values_list("n")
    ),
    user_id=int,
)

# Bumped by forget(): a navigation kept on the user object for the rest of a request (pages
# that ask twice read the cache once) is used only while no navigation has been dropped since,
# and for KEPT_SECONDS at most (a user object that outlives a request reads the cache again).
KEPT_SECONDS = 2.0
_generation = itertools.count()
_current = [next(_generation)]


def _bump() -> None:
    _current[0] = next(_generation)


def _read(user) -> dict:
    unread = _unread.rows(user_id=user.pk)
    return {
        "organisations": [
            {
                "slug": m.organisation.slug,
                "short_name": m.organisation.short_name,
                "roles": list(m.role_labels),
                "role_values": [str(role) for role in m.roles],
            }
            for m in _memberships.instances(user_id=user.pk)
        ],
        "steering": bool(_seat.rows(user_id=user.pk)),
        "unread": unread[0][0] if unread else 0,
    }


def navigation(user) -> dict:
    """{'organisations': [{'slug', 'short_name', 'roles', 'role_values'}], 'steering': bool,
    'unread': int}; the organisations are the active ones the user belongs to.

    Only what the signals below keep fresh: nothing read from the user row (is_staff changes
    send no signal the cache listens to), so links that depend on it are decided per request
    from `request.user` (isf_portal/context_processors.py), with the apps' own rules applied
    to `role_values` and `steering` (organisations.permissions.Rule.allows_roles).
    """
    kept = getattr(user, "_isf_navigation", None)
    now = time.monotonic()
    if kept is not None and kept[0] == _current[0] and kept[1] == user.pk and now < kept[2]:
        return kept[3]
    generation = _current[0]
    data = cache.get(_key(user.pk))
    if data is None:
        data = _read(user) if user.is_authenticated else _empty()
        cache.set(_key(user.pk), data, timeout=settings.NAVIGATION_CACHE_SECONDS)
    with contextlib.suppress(AttributeError):  # AnonymousUser and the like keep nothing
        user._isf_navigation = (generation, user.pk, now + KEPT_SECONDS, data)
    return data


def _empty() -> dict:
    return {"organisations": [], "steering": False, "unread": 0}


def forget(*user_ids) -> None:
    """Drop the cached navigation of these users, now and again when the transaction commits
    (a page rendered in between would otherwise cache what is about to change)."""
    keys = [_key(pk) for pk in user_ids if pk is not None]
    if not keys:
        return
    _bump()
    cache.delete_many(keys)

    def again():
        _bump()
        cache.delete_many(keys)

    transaction.on_commit(again)


@receiver([post_save, post_delete], sender=Membership)
@receiver([post_save, post_delete], sender=SteeringGroupMember)
def _membership_changed(sender, instance, **kwargs):
    forget(instance.user_id)


@receiver([post_save, post_delete], sender=Organisation)
def _organisation_changed(sender, instance, **kwargs):
    forget(
        *Membership.objects.filter(organisation_id=instance.pk).values_list("user_id", flat=True)
    )


@receiver(post_delete, sender=User)
def _user_deleted(sender, instance, **kwargs):
    forget(instance.pk)


@receiver([post_save, post_delete], sender=Notification)
def _notification_changed(sender, instance, **kwargs):
    forget(instance.user_id)


@receiver(notifications_read)
def _notifications_read(sender, user_id, **kwargs):
    forget(user_id)


@receiver(notifications_created)
def _notifications_created(sender, user_ids, **kwargs):
    forget(*user_ids)

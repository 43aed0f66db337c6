"""The navigation every signed-in page shows: the user's organisations and roles, whether they
sit on the steering group, and how many notifications they have not read.

Three queries on every page are the largest part of a simple page's cost, and the answer
changes rarely, so it is kept in the cache per user and dropped whenever something it shows
changes (signals below, and `forget()` for bulk updates that send no signal). The cached copy
only draws links: every view still checks permissions against the database. A short timeout
bounds any change made behind the ORM's back (raw SQL, a restore).
"""

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from notifications.models import Notification
from notifications.signals import notifications_created, notifications_read

from .models import Membership, Organisation, SteeringGroupMember, User
from .selectors import memberships_of, steering_seat_of

KEY = "isf:nav:v2:{}"  # v2: no "insight"; role values added


def _key(user_id) -> str:
    return KEY.format(user_id)


def navigation(user) -> dict:
    """{'organisations': [{'slug', 'short_name', 'roles', 'role_values'}], 'steering': bool,
    'unread': int}; the organisations are the active ones the user belongs to.

    Only what the signals below keep fresh: nothing read from the user row (is_staff changes
    send no signal the cache listens to), so links that depend on it are decided per request
    from `request.user` (isf_portal/context_processors.py), with the apps' own rules applied
    to `role_values` and `steering` (organisations.permissions.Rule.allows_roles).
    """
    data = cache.get(_key(user.pk))
    if data is None:
        data = {
            "organisations": [
                {
                    "slug": m.organisation.slug,
                    "short_name": m.organisation.short_name,
                    "roles": list(m.role_labels),
                    "role_values": [str(role) for role in m.roles],
                }
                for m in memberships_of(user=user)
            ],
            "steering": steering_seat_of(user=user) is not None,
            "unread": Notification.objects.filter(user=user, read_at__isnull=True).count(),
        }
        cache.set(_key(user.pk), data, timeout=settings.NAVIGATION_CACHE_SECONDS)
    return data


def forget(*user_ids) -> None:
    """Drop the cached navigation of these users, now and again when the transaction commits
    (a page rendered in between would otherwise cache what is about to change)."""
    keys = [_key(pk) for pk in user_ids if pk is not None]
    if not keys:
        return
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


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

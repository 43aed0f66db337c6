"""Keep the steering group's auth group in step with its seats, however they change
(Django admin edits them directly); list every signed-in session on the account page."""

from allauth.usersessions.models import UserSession
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import SteeringGroupMember
from .services import steering_group_group, sync_steering_group


@receiver(post_save, sender=SteeringGroupMember)
def steering_seat_saved(sender, instance, **kwargs):
    sync_steering_group(user=instance.user, seated=True)
    # A seat handed to someone else (in Django admin) takes the access from its last holder.
    for former in steering_group_group().user_set.filter(steering_seat__isnull=True):
        sync_steering_group(user=former, seated=False)


@receiver(post_delete, sender=SteeringGroupMember)
def steering_seat_deleted(sender, instance, **kwargs):
    sync_steering_group(user=instance.user, seated=False)


@receiver(user_logged_in)
def session_started(sender, request, user, **kwargs):
    # Every way in (password, two-step, invitation, single sign-on) goes through Django's
    # login(): the account page's "where you are signed in" lists them all.
    if request is not None and hasattr(request, "session") and hasattr(request, "user"):
        UserSession.objects.create_from_request(request)

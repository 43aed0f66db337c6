"""Keep the steering group's auth group in step with its seats, however they change
(Django admin edits them directly)."""

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

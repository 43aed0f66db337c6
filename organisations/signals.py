"""Keep the steering group's auth group in step with its seats, however they change
(Django admin edits them directly)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import SteeringGroupMember
from .services import sync_steering_group


@receiver(post_save, sender=SteeringGroupMember)
def steering_seat_saved(sender, instance, **kwargs):
    sync_steering_group(user=instance.user, seated=True)


@receiver(post_delete, sender=SteeringGroupMember)
def steering_seat_deleted(sender, instance, **kwargs):
    sync_steering_group(user=instance.user, seated=False)

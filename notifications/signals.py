"""What the notifications app tells the apps above it (they connect; it imports none of them)."""

from django.dispatch import Signal

# Sent after a bulk change to a user's notifications that sends no model signal (marking them
# all read): whatever shows an unread count (the navigation) forgets it. Argument: user_id.
notifications_read = Signal()

# Sent after notifications were inserted together (notify_many), which sends no post_save:
# the navigation forgets the unread counts of these people. Argument: user_ids.
notifications_created = Signal()

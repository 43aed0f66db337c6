"""What the portal has told the signed-in user, and what was e-mailed to them."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from .models import Email, Notification, NotificationKind
from .signals import notifications_read


@login_required
def notification_list(request):
    page = Paginator(
        Notification.objects.filter(user=request.user).only(
            "kind", "title", "body", "url", "created_at", "read_at"
        ),
        25,
    ).get_page(request.GET.get("page"))
    # Labels looked up once, not by get_kind_display() (a dict of every choice per call).
    labels = dict(NotificationKind.choices)
    for notification in page:
        notification.kind_label = labels.get(notification.kind, notification.kind)
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def mark_all_read(request):
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    # A bulk update sends no model signal: say so, for whatever shows the unread count.
    notifications_read.send(sender=Notification, user_id=request.user.pk)
    return redirect("notifications:list")


@login_required
def email_list(request):
    """Every e-mail the portal sent (or is about to send) to this user."""
    page = Paginator(
        Email.objects.filter(recipient=request.user).only("subject", "created_at", "sent_at", "to"),
        25,
    ).get_page(request.GET.get("page"))
    return render(request, "notifications/emails.html", {"page": page})

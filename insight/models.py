from django.db import models


class CalendarDay(models.Model):
    """One day of the portal's calendar (England: weekends and bank holidays, from the
    `holidays` package, do not work).

    `working_index` counts the working days from the calendar's first day up to and including
    this one, so the working days after one day up to and including another are the
    difference of their indexes: the same meaning as sharing_requests.workdays
    `working_days_between`, computed in SQL over thousands of rows at once."""

    day = models.DateField(primary_key=True)
    is_working = models.BooleanField()
    working_index = models.PositiveIntegerField()

    class Meta:
        ordering = ["day"]

    def __str__(self):
        return f"{self.day} ({'working' if self.is_working else 'not working'})"

from django.urls import path

from . import views

app_name = "insight"

urlpatterns = [
    path("", views.insight, name="insight"),
    path("<slug:slug>.csv", views.figure_csv, name="figure-csv"),
]

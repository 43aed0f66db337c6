from .views import agreement, consents, outcomes, public, register, start_from

app_name = "agreements"

# Each views module owns its URL list, so the two halves of the app grow independently.
urlpatterns = [
    *register.urlpatterns,
    *consents.urlpatterns,
    *public.party_urlpatterns,
    *outcomes.urlpatterns,
    *agreement.urlpatterns,
    *start_from.urlpatterns,
]

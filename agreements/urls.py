from .views import agreement, register

app_name = "agreements"

# Each views module owns its URL list, so the two halves of the app grow independently.
urlpatterns = [*register.urlpatterns, *agreement.urlpatterns]

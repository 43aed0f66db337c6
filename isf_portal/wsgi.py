import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "isf_portal.settings.local")
application = get_wsgi_application()

# What is loaded by now (settings, models, URL patterns, the libraries) lives as long as the
# worker process: kept out of the garbage collector's sight (gc.freeze), so the full
# collections that fall during requests walk only the objects requests make.
gc.freeze()

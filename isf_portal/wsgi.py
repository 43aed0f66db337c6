import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "isf_portal.settings.local")
application = get_wsgi_application()

# What is loaded by now (settings, models, URL patterns, the libraries) lives as long as the
# worker process: kept out of the garbage collector's sight (gc.freeze), so the full
# collections that fall during requests walk only the objects requests make.
gc.freeze()
# A page makes and drops tens of thousands of objects (model instances, template contexts,
# rows), nearly all freed by reference counting as the request ends. At Python's default
# (a young collection every 700 objects kept) a page set off dozens of collections, each
# walking what the page still held: 3-4 % of the web process's CPU over make bench's mix.
# Every 50,000 kept objects the collector still finds cycles: at most a few times a page.
gc.set_threshold(50_000, 20, 100)

"""Django's PostgreSQL backend with a cheaper health check (base.py): settings/database.py
names it as the ENGINE for every postgres:// DATABASE_URL."""

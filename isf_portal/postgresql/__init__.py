"""Django's PostgreSQL backend with a cheaper health check and the planner's cost of a random
read set on each connection (base.py): settings/database.py names it as the ENGINE for every
postgres:// DATABASE_URL."""

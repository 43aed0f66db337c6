# The ISF Portal image. One image runs every role of docker-compose.yml: the web server
# (gunicorn), the Celery worker, Celery beat and the one-shot migrate step.

# --- Front-end assets: GOV.UK Frontend from npm, compiled with the portal's stylesheet -------
FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-fund --no-audit --loglevel=error
COPY static/scss ./static/scss
RUN npm run build


# --- The application -------------------------------------------------------------------------
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=isf_portal.settings.production \
    ISF_VAR_DIR=/app/var

# Pango (and HarfBuzz's subsetter) for WeasyPrint, which renders the agreement PDFs, and a font
# for it to render with: the slim image has none.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system isf \
    && useradd --system --gid isf --home-dir /app --no-create-home --shell /usr/sbin/nologin isf

WORKDIR /app

# Dependencies first, pinned by constraints.txt, so code changes reuse this layer.
COPY pyproject.toml constraints.txt README.md ./
RUN pip install -c constraints.txt .

COPY . .
# The compiled stylesheet and the npm packages' files that STATICFILES_DIRS serves.
COPY --from=assets /build/static/build ./static/build
COPY --from=assets /build/node_modules/govuk-frontend/dist ./node_modules/govuk-frontend/dist
COPY --from=assets /build/node_modules/htmx.org/dist ./node_modules/htmx.org/dist

# Production settings insist on their secrets even to collect static files: give them values
# that live only in this build step (nothing here connects to a database or a broker).
# htmx's and django-htmx's optional extensions (ext/) import "htmx" as a bare module name,
# which the hashing storage cannot resolve; the portal uses none of them.
RUN SECRET_KEY=collectstatic-only-build-step-value-never-used-to-sign-anything-at-run-time \
    AUDIT_CHAIN_KEY=collectstatic-only-build-step-value-never-used-to-chain-anything-at-run-time \
    DATABASE_URL=sqlite:////tmp/collectstatic.sqlite3 \
    REDIS_URL=redis://localhost:6379/0 \
    ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput -v0 --ignore 'ext/*' --ignore '*/ext/*' \
    && rm -f /tmp/collectstatic.sqlite3 \
    && mkdir -p /app/var/media /app/var/private \
    && chmod 700 /app/var/private \
    && chown -R isf:isf /app/var

USER isf
EXPOSE 8000
# WEB_CONCURRENCY sets gunicorn's number of worker processes; GUNICORN_CMD_ARGS adds options.
CMD ["gunicorn", "isf_portal.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]

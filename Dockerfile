# syntax=docker/dockerfile:1
# Readyboard image: one image for web (gunicorn), worker and beat (docker-compose.yml).

# --- build: dependencies into a virtualenv, compiled once --------------------------------
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md ./
COPY scanner ./scanner
COPY dashboard ./dashboard
# Install the project to pull its dependencies, then drop the project itself: the runtime
# stage runs the source from /app, where BASE_DIR (templates, static) points.
RUN pip install . && pip uninstall --yes readyboard

# --- runtime: slim, non-root ------------------------------------------------------------
FROM python:3.11-slim AS runtime
# git (+ ssh for ssh:// clone URLs) is what the worker clones with.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends git openssh-client \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 readyboard \
    && useradd --system --uid 10001 --gid readyboard --home-dir /app --shell /usr/sbin/nologin readyboard \
    && mkdir -p /data /app/staticfiles \
    && chown readyboard:readyboard /data /app/staticfiles
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=readyboard:readyboard manage.py pyproject.toml ./
COPY --chown=readyboard:readyboard scanner ./scanner
COPY --chown=readyboard:readyboard dashboard ./dashboard
COPY --chown=readyboard:readyboard templates ./templates
COPY --chown=readyboard:readyboard static ./static
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    READYBOARD_PRODUCTION=1 \
    READYBOARD_DATA_DIR=/data \
    READYBOARD_STATIC_ROOT=/app/staticfiles
USER readyboard
# Static files are collected at build time; the placeholders only satisfy production mode.
RUN SECRET_KEY=collectstatic-only DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    REDIS_URL=redis://localhost:6379/0 ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]
CMD ["gunicorn", "dashboard.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", "--access-logfile", "-", "--forwarded-allow-ips", "*"]

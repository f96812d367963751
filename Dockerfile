# Production image: gunicorn serves the app, whitenoise serves the collected static files.
# The same image runs the Celery worker and beat (see compose.yaml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app

# IPAex Gothic for Japanese PDFs (embedded in every PDF; japanize-matplotlib ships a copy too),
# and IPAmj明朝 for the kanji of residents' names that IPAex Gothic lacks (𠮷 and others).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-ipaexfont-gothic fonts-ipamj-mincho \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so a code change does not reinstall them. Only the runtime lock file:
# exact versions, every file checked against its hash, nothing resolved at build time.
COPY requirements/base.txt requirements/
RUN pip install --no-deps --require-hashes -r requirements/base.txt

COPY . .
# Static files are collected at build time (DEBUG defaults to on here, so no SECRET_KEY is needed).
RUN python manage.py collectstatic --noinput \
    && useradd --system --create-home --home-dir /home/app --shell /usr/sbin/nologin app \
    && mkdir -p /app/media /app/var \
    && chown -R app:app /app/media /app/var

USER app
EXPOSE 8000
CMD ["gunicorn", "project.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120", "--access-logfile", "-"]

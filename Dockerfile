# Image for docker-compose.yml. Debian packages match scripts/packages.sh, plus the
# PostgreSQL client tools that scripts/backup.sh and scripts/restore.sh run.
FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends \
      fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 gettext \
      postgresql-client \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml constraints.txt ./
COPY . .
RUN pip install --no-cache-dir -c constraints.txt . \
    && DEBUG=1 python manage.py compilemessages --ignore=.venv
EXPOSE 8000

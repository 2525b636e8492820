FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir --require-hashes -r requirements.txt
COPY . .
RUN SECRET_KEY=build-only-collectstatic-key-not-used-at-runtime-000 \
    FIELD_ENCRYPTION_SALT=build DATABASE_URL=postgres://build@localhost/build \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    python manage.py collectstatic --noinput
EXPOSE 8000

# Qorgan bot image: slim Python, non-root, database on a volume, catalogues compiled at build.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DATABASE_PATH=/data/bot.sqlite3

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY locales ./locales
COPY migrations ./migrations
RUN pip install . \
    && python -m bot i18n compile \
    && python -m bot content check \
    && useradd --system --uid 10001 --home-dir /app qorgan \
    && mkdir -p /data && chown qorgan /data

USER qorgan
VOLUME ["/data"]
# `python -m bot` runs from /app, so the copied source (with its migrations and catalogues)
# is what runs; the installed copy only brought the dependencies.
ENTRYPOINT ["python", "-m", "bot"]
# `run` needs BOT_TOKEN and stops with one clear line without it (plain `python -m bot` would
# start the local demo instead, which is for trying the bot on one's own machine).
CMD ["run"]

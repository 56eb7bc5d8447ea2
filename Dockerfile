# Qorgan bot image: the bot's wheel alone (no fake Bot API, no demo), non-root, database on a
# volume. The wheel carries its migrations, content and compiled catalogues. One image serves
# every role: `run` (polling, the default), `webhook`, `worker`, `migrate` (docs/deploy.md).

# Dependencies, built from pyproject.toml alone: this layer is rebuilt when they change, not
# when the code does.
FROM python:3.11-slim AS dependencies
WORKDIR /src
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
    && pip wheel --no-cache-dir --wheel-dir /dependencies -r requirements.txt

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md hatch_build.py ./
COPY bot ./bot
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DATABASE_PATH=/data/bot.sqlite3
COPY --from=dependencies /dependencies /dependencies
RUN pip install --no-index /dependencies/*.whl && rm -rf /dependencies \
    && useradd --system --uid 10001 --home-dir /data qorgan \
    && mkdir -p /data && chown qorgan /data
COPY --from=build /wheels /wheels
RUN pip install --no-deps /wheels/*.whl && rm -rf /wheels && python -m bot content check
WORKDIR /data
USER qorgan
VOLUME ["/data"]
# The database (and Redis, with REDIS_URL) answer; a webhook replica is better asked at its
# own /healthz: compose.yaml does that with `python -m bot health --url ...`.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-m", "bot", "health"]
EXPOSE 8081
ENTRYPOINT ["python", "-m", "bot"]
# `run` needs BOT_TOKEN and stops with one clear line without it (plain `python -m bot` would
# start the local demo, which is not in this image).
CMD ["run"]

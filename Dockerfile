# Qorgan bot image: the bot's wheel alone (no fake Bot API, no demo), non-root, database on a
# volume. The wheel carries its migrations, content and compiled catalogues.
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
COPY --from=build /wheels /wheels
RUN pip install /wheels/*.whl \
    && rm -rf /wheels \
    && python -m bot content check \
    && useradd --system --uid 10001 --home-dir /data qorgan \
    && mkdir -p /data && chown qorgan /data
WORKDIR /data
USER qorgan
VOLUME ["/data"]
ENTRYPOINT ["python", "-m", "bot"]
# `run` needs BOT_TOKEN and stops with one clear line without it (plain `python -m bot` would
# start the local demo, which is not in this image).
CMD ["run"]

# mlscore: the Slack bot in a container. See docs/deploy.md.
#
#   docker build -t mlscore .
#   docker run -p 3000:3000 -v mlscore-data:/data \
#     -e SLACK_BOT_TOKEN=xoxb-... -e SLACK_SIGNING_SECRET=... mlscore
#
# `mlscore serve` applies the database migrations before it starts listening (under a
# PostgreSQL advisory lock, so several replicas starting together migrate once).

ARG PYTHON_IMAGE=python:3.11-slim

# ---- builder: a virtualenv with mlscore and its dependencies, nothing else -----------------
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
# README.md is the package's long description (pyproject.toml), so the build needs it.
COPY pyproject.toml README.md ./
COPY rubric/ rubric/
COPY bot/ bot/
# Built into the package as bot.db.migrations (pyproject.toml maps it).
COPY migrations/ migrations/
# A regular (non-editable) install: the runtime image carries no source tree.
RUN pip install --upgrade pip && pip install .

# ---- runtime --------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MPLBACKEND=Agg \
    MPLCONFIGDIR=/tmp/matplotlib \
    DATABASE_URL=sqlite:////data/mlscore.db \
    LOG_FORMAT=json

# A fixed, unprivileged uid/gid, so volumes can be prepared on the host (chown 10001). Its
# home, /app, is the working directory and its own: `mlscore demo` writes demo-out/ there.
RUN groupadd --system --gid 10001 mlscore \
 && useradd --system --uid 10001 --gid mlscore --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin mlscore \
 && mkdir -p /app /data "$MPLCONFIGDIR" \
 && chown mlscore:mlscore /app /data "$MPLCONFIGDIR"

COPY --from=builder /opt/venv /opt/venv

# The migrations are inside the installed package: mlscore runs from any working directory.
WORKDIR /app

USER mlscore
# Build matplotlib's font cache (in MPLCONFIGDIR) now rather than on the first chart request.
RUN python -c "import matplotlib.font_manager"

# Declared after the chown above, so a new named volume starts out owned by mlscore.
VOLUME ["/data"]
EXPOSE 3000

# No curl in the slim image: the standard library does the check (non-200 raises, exit 1).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4)"]

CMD ["mlscore", "serve", "--host", "0.0.0.0", "--port", "3000"]

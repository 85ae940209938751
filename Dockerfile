# GAN dynamics lab: the Streamlit app in a small, non-root image.
#
#   docker build -t gan-lab .                  # online: wheels come from PyPI
#   docker run --rm -p 8501:8501 gan-lab       # http://localhost:8501
#
# Offline build (what deploy/smoke.sh does, with `--network none`): put the wheels of
# every pin of requirements.txt, for the base image's Python, in a directory `wheels/`
# next to this Dockerfile in the build context. When that directory holds any wheel,
# pip installs with `--no-index --find-links` and never contacts an index, so the
# image is exactly the wheelhouse and a missing wheel fails the build instead of
# silently reaching the network. Why a directory that may be absent instead of a
# PIP_INSTALL_ARGS build argument: the online build stays a plain `docker build .`,
# there is no unquoted word-split shell argument (ShellCheck SC2086), and the mode
# cannot disagree with what is in the context. `COPY requirements.txt wheel[s] ...`
# copies `wheels/` only if it exists: a wildcard that matches nothing is allowed when
# another source (requirements.txt) matches (Docker BuildKit and Buildah/Podman).
#
# BASE_IMAGE must be a Debian-like image with python3 (>= 3.11) and its venv module
# and useradd. The default is the official slim image; deploy/smoke.sh builds on a
# local Debian bookworm rootfs (Python 3.11) made with debootstrap.
# Pin it by digest for a production build, so that a rebuild cannot silently take a
# different base: `docker buildx imagetools inspect python:3.12-slim` (or `podman
# images --digests` after a pull) prints it, then
#   docker build --build-arg BASE_IMAGE=python:3.12-slim@sha256:<digest> .
# The default below stays a tag because no digest could be read where this file was
# written (no registry access, no image present); see deploy/README.md.
ARG BASE_IMAGE=python:3.12-slim

# ---- build stage: a virtualenv with the exact pins, nothing else -------------------
FROM ${BASE_IMAGE} AS build

ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /tmp/build
COPY requirements.txt wheel[s] /tmp/build/

# --only-binary: every pin has a wheel; never compile an sdist (no compiler in the image).
# After the install: the venv's pip and setuptools go (nothing at run time needs them,
# and the running app should not be able to install packages), and so do the bundled
# test suites of numpy, scipy, pandas and pyarrow (about 100 MB with their bytecode;
# no runtime code imports them). The bytecode pip compiled stays: it saves seconds at
# every start of a replica.
RUN set -eu; \
    if ls /tmp/build/*.whl >/dev/null 2>&1; then \
        echo "pip: offline install from the wheelhouse"; \
        set -- --no-index --find-links /tmp/build; \
    else \
        echo "pip: online install from the package index"; \
        set --; \
    fi; \
    python3 -m venv /opt/venv; \
    /opt/venv/bin/python -m pip install --no-cache-dir --only-binary=:all: "$@" \
        -r /tmp/build/requirements.txt; \
    /opt/venv/bin/python -m pip uninstall --yes pip setuptools; \
    site=$(/opt/venv/bin/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))'); \
    find "$site/numpy" "$site/scipy" "$site/pandas" "$site/pyarrow" \
        -depth -type d -name tests -exec rm -rf {} +; \
    rm -rf /tmp/build /root/.cache

# ---- runtime stage ------------------------------------------------------------------
FROM ${BASE_IMAGE}

# Fixed IDs so that volumes, Kubernetes securityContext (runAsUser: 10001) and
# `podman exec ... id -u` agree everywhere.
ARG APP_UID=10001
ARG APP_GID=10001

ENV PATH="/opt/venv/bin:${PATH}" \
    LANG=C.UTF-8 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/home/app

# Production values of the settings that .streamlit/config.toml sets for local development
# (environment variables take precedence over the file): no file watcher and no rerun on
# save, generic error messages (details go to the log), the viewer toolbar, no banner.
ENV STREAMLIT_SERVER_RUN_ON_SAVE=false \
    STREAMLIT_SERVER_FILE_WATCHER_TYPE=none \
    STREAMLIT_CLIENT_SHOW_ERROR_DETAILS=none \
    STREAMLIT_CLIENT_TOOLBAR_MODE=viewer \
    STREAMLIT_LOGGER_HIDE_WELCOME_MESSAGE=true

# --no-log-init: no sparse /var/log/lastlog entry sized by the high UID.
RUN groupadd --gid "${APP_GID}" app \
    && useradd --no-log-init --uid "${APP_UID}" --gid app --home-dir /home/app \
        --create-home --shell /usr/sbin/nologin app

COPY --from=build /opt/venv /opt/venv

WORKDIR /app
# Only what the app needs, owned by root and read-only for the app user. The config
# file is copied by name so a local .streamlit/secrets.toml can never end up here.
COPY app.py serve.py ./
COPY pages/ ./pages/
COPY dynamics/ ./dynamics/
COPY ui/ ./ui/
COPY content/ ./content/
COPY .streamlit/config.toml ./.streamlit/config.toml

USER ${APP_UID}:${APP_GID}

EXPOSE 8501

# No curl in the image: the venv's Python asks Streamlit's own health route.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/opt/venv/bin/python", "-c", "import sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4); sys.exit(0 if r.status == 200 and r.read() == b'ok' else 1)"]

# Exec form: streamlit is PID 1 and gets SIGTERM itself (it handles it and shuts down).
# serve.py serves app.py behind the lab's guard (ui/compat.py): per-connection message
# limits on the WebSocket, no upload route, anti-framing headers.
ENTRYPOINT ["/opt/venv/bin/streamlit", "run", "serve.py", "--server.port=8501", "--server.address=0.0.0.0"]

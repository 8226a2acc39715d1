# The investigate CLI and the investigation service, one image per target.
#   CLI (default target; runs the built-in demo, report written to /app/reports):
#     docker build -t investigator . && docker run --rm -v "$PWD/reports:/app/reports" investigator
#   Service (HTTP API and web UI on port 8000, SQLite in the /data volume; docs/deployment.md):
#     docker build --target service -t investigator-service .
#     docker run -d -p 127.0.0.1:8000:8000 -v investigator-data:/data -v /srv/repos:/repos:ro investigator-service
#   With PostgreSQL: docker-compose.yml (POSTGRES_PASSWORD=... docker compose up -d).
# GPU image: docker build --build-arg TORCH_INDEX=https://download.pytorch.org/whl/cu124 -t investigator-gpu .
FROM python:3.11-slim AS base
# safe.directory: repositories mounted from the host belong to another user; let git read them (the investigator only reads)
RUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/* \
    && git config --system --add safe.directory '*'
WORKDIR /app
# torch first, from the CPU wheel index by default (PyPI's default torch wheel bundles several GB of CUDA);
# it comes before the project's files so that editing the project does not rebuild this layer.
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
RUN pip install --no-cache-dir --extra-index-url "$TORCH_INDEX" "torch==2.13.0"
COPY . /app
RUN pip install --no-cache-dir -c constraints.txt -e ".[demo,service]"

# The service: `investigate serve` on 0.0.0.0:8000. API keys are required (the host is not local):
# create one with `docker exec <container> investigate keys create --scope admin --db <same --db>`.
# Jobs, reports, checkpoints and the SQLite database live in /data; mount repositories under /repos.
FROM base AS service
RUN useradd --create-home --uid 10001 investigator && mkdir -p /data /repos && chown investigator /data
USER investigator
ENV INVESTIGATOR_CACHE=/data/cache
WORKDIR /data
VOLUME /data
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["investigate", "serve", "--host", "0.0.0.0", "--port", "8000", "--db", "/data/investigator.db", \
     "--data-dir", "/data", "--allow-repo", "/repos/"]

# The CLI, the default target (the last stage): `docker run investigator` runs the demo; any
# `investigate ...` command line can be given instead.
FROM base AS cli
CMD ["investigate", "demo"]

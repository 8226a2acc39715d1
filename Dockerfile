# The investigate CLI. Default command: the built-in demo (report written to /app/reports).
#   docker build -t investigator . && docker run --rm -v "$PWD/reports:/app/reports" investigator
# GPU image: docker build --build-arg TORCH_INDEX=https://download.pytorch.org/whl/cu124 -t investigator-gpu .
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . /app
# torch first, from the CPU wheel index by default (PyPI's default torch wheel bundles several GB of CUDA).
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
RUN pip install --no-cache-dir --extra-index-url "$TORCH_INDEX" "torch==2.13.0"
RUN pip install --no-cache-dir -c constraints.txt -e ".[demo]"
CMD ["investigate", "demo"]

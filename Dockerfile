# The CLI and the service. Default command: the built-in demo (report written to /app/reports).
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . /app
# CPU build of torch; for GPUs, install a CUDA build of torch before the project.
RUN pip install --no-cache-dir "torch==2.13.0"
RUN pip install --no-cache-dir -c constraints.txt -e .
CMD ["investigate", "demo"]

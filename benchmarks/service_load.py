"""Load drill (issue 17): 100 concurrent submissions against a local `investigate serve`.

Starts the service as a subprocess on a fresh database (`--workers 1`, a small `--queue-limit`,
on the demo repository), fires N submissions at once from N threads (httpx, one connection each,
released together by a barrier), then lists every job through the API. Prints how many were
accepted (201), refused with 429 (and whether each carried Retry-After), failed otherwise, and
lost (accepted but not listed afterwards: must be 0); the queue length against its limit; p50/p95
submit latency and the throughput of the burst. A benchmark, not a timed test.

    .venv/bin/python benchmarks/service_load.py [--submissions 100] [--queue-limit 20] [--db URL]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from investigator.demo import generate_demo_repo
from investigator.service.db import connect
from investigator.service.store import JobStore

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Answer:
    status: int
    seconds: float
    job_id: str | None
    retry_after: bool


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(db: str, data: Path, allow: Path, queue_limit: int, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    argv = [sys.executable, "-m", "investigator.cli", "serve", "--port", str(port), "--db", db, "--data-dir", str(data),
            "--allow-repo", str(allow), "--workers", "1", "--queue-limit", str(queue_limit), "--rate-limit", "100000"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
        if proc.poll() is not None:
            break
    raise SystemExit(f"the service did not start:\n{log.read_text()}")


def _fire(base: str, key: str, body: dict[str, object], n: int) -> tuple[list[Answer], float]:
    """n submissions from n threads released at once; the answers and the burst's wall time."""
    answers: list[Answer] = []
    lock, barrier = threading.Lock(), threading.Barrier(n + 1)

    def one() -> None:
        with httpx.Client(timeout=120, headers={"Authorization": f"Bearer {key}"}) as client:
            barrier.wait()
            start = time.perf_counter()
            try:
                response = client.post(f"{base}/v1/investigations", json=body)
                status = response.status_code
                job_id = response.json().get("id") if status == 201 else None
                retry = "retry-after" in response.headers
            except httpx.HTTPError:
                status, job_id, retry = 0, None, False
            with lock:
                answers.append(Answer(status, time.perf_counter() - start, job_id, retry))

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    return answers, time.perf_counter() - start


def _listed(base: str, key: str) -> set[str]:
    ids: set[str] = set()
    offset = 0
    while True:
        page = httpx.get(f"{base}/v1/investigations", params={"limit": 200, "offset": offset},
                         headers={"Authorization": f"Bearer {key}"}, timeout=60).json()
        ids |= {item["id"] for item in page["items"]}
        offset += page["limit"]
        if offset >= page["total"]:
            return ids


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--submissions", type=int, default=100)
    p.add_argument("--queue-limit", type=int, default=20)
    p.add_argument("--db", help="database URL (default: a SQLite file in a temporary directory)")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="investigator-load-") as tmp:
        root = Path(tmp)
        demo = generate_demo_repo(root / "repos" / "gridarena-ppo")
        db = args.db or str(root / "service.db")
        _, key = JobStore(connect(db)).create_key("admin", "load drill")
        proc, base = _start(db, root / "data", root / "repos", args.queue_limit, root / "serve.log")
        try:
            body = {"repo": str(demo.path), "baseline_commit": demo.baseline, "candidate_commit": demo.candidate,
                    "formats": ["json"], "probes": "none"}
            answers, wall = _fire(base, key, body, args.submissions)
            listed = _listed(base, key)
            queued = JobStore(connect(db)).stats().by_status
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
        _print(answers, wall, listed, queued, args.queue_limit)
        lost = {a.job_id for a in answers if a.job_id} - listed
        return 1 if lost or any(a.status not in (201, 429) for a in answers) else 0


def _print(answers: list[Answer], wall: float, listed: set[str], by_status: dict[str, int], limit: int) -> None:
    accepted = [a for a in answers if a.status == 201]
    refused = [a for a in answers if a.status == 429]
    other = [a for a in answers if a.status not in (201, 429)]
    lost = {a.job_id for a in accepted if a.job_id} - listed
    latencies = sorted(a.seconds for a in answers)
    p95 = latencies[min(len(latencies) - 1, int(round(0.95 * (len(latencies) - 1))))]
    print(f"submissions        {len(answers)} concurrent (1 worker, queue limit {limit})")
    print(f"accepted (201)     {len(accepted)}")
    print(f"refused (429)      {len(refused)} ({sum(a.retry_after for a in refused)} with Retry-After)")
    print(f"other answers      {len(other)} {sorted({a.status for a in other}) if other else ''}")
    print(f"lost               {len(lost)} (accepted but not listed)")
    print(f"jobs by state      {dict(sorted(by_status.items()))} (queued + running <= limit + 1 expected)")
    print(f"submit latency     p50 {statistics.median(latencies) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
          f"max {latencies[-1] * 1000:.0f} ms")
    print(f"throughput         {len(answers) / wall:.0f} answers/s over {wall:.2f} s")


if __name__ == "__main__":
    sys.exit(main())

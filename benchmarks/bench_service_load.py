"""Load drill of the service's submit path: N concurrent submissions against a real `investigate serve`.

Starts `python -m investigator.cli serve` of this checkout on a free port (SQLite in a temporary
directory unless --db is given; `--api-only` unless --workers, so the figures are the API's, not the
investigations'), creates a submit key with `investigate keys create`, fires N submissions from N
threads at once, then checks against the database that every 201 is a stored job, nothing else was
stored, no id repeats, and every 429 carried Retry-After. Prints answers by status, p50/p95/max submit
latency and throughput.

    .venv/bin/python benchmarks/bench_service_load.py                    # 100 submissions, queue limit 100
    .venv/bin/python benchmarks/bench_service_load.py --queue-limit 40   # some answered 429 (queue full)
    .venv/bin/python benchmarks/bench_service_load.py --db postgresql://inv:inv@localhost/loaddb

Exit status: 0 when no submission was lost or stored twice and every answer was 201 or 429.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from investigator.service.db import make_engine  # noqa: E402
from investigator.service.store import JobStore  # noqa: E402


def _cli(*argv: str) -> list[str]:
    return [sys.executable, "-m", "investigator.cli", *argv]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _post(url: str, body: bytes, key: str) -> tuple[int, float, dict[str, str], str]:
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {key}"})
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, time.perf_counter() - start, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, time.perf_counter() - start, dict(exc.headers), exc.read().decode()


def _wait_healthy(base: str, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"serve exited: {server.communicate()[1][-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("serve did not answer /healthz within 120 s")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(args: argparse.Namespace, tmp: Path) -> int:
    db = args.db or str(tmp / "service.db")
    repos = tmp / "repos"
    (repos / "ppo").mkdir(parents=True)
    key = subprocess.run(_cli("keys", "create", "--scope", "submit", "--db", db), env=_env(), text=True,
                         capture_output=True, check=True).stdout.strip()
    port = _free_port()
    serve = ["serve", "--port", str(port), "--db", db, "--data-dir", str(tmp / "data"), "--allow-repo", str(repos),
             "--queue-limit", str(args.queue_limit), "--rate-limit", str(max(args.n * 2, 120))]
    serve += ["--workers", str(args.workers)] if args.workers else ["--api-only"]
    server = subprocess.Popen(_cli(*serve), env=_env(), text=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, server)
        body = json.dumps({"repo": str(repos / "ppo"), "baseline_commit": "v1", "probes": "none"}).encode()
        results: list[tuple[int, float, dict[str, str], str]] = []
        lock, gate = threading.Lock(), threading.Barrier(args.n)

        def submit() -> None:
            gate.wait()  # all threads start together
            result = _post(f"{base}/v1/investigations", body, key)
            with lock:
                results.append(result)

        threads = [threading.Thread(target=submit) for _ in range(args.n)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.communicate(timeout=60)
    return _report(args, results, wall, JobStore(make_engine(db)))


def _report(args: argparse.Namespace, results: list[tuple[int, float, dict[str, str], str]], wall: float,
            store: JobStore) -> int:
    by_status: dict[int, int] = {}
    for status, *_ in results:
        by_status[status] = by_status.get(status, 0) + 1
    accepted = [json.loads(text)["id"] for status, _, _, text in results if status == 201]
    stored = {j.id for j in store.list_jobs(limit=100_000)[0]}
    no_retry_after = sum(1 for status, _, headers, _ in results
                         if status == 429 and "retry-after" not in {h.lower() for h in headers})
    latencies = [seconds for _, seconds, _, _ in results]
    print(f"{args.n} concurrent submissions, queue limit {args.queue_limit}, "
          f"{'workers ' + str(args.workers) if args.workers else 'API only'}, db {'given' if args.db else 'SQLite'}")
    print(f"answers: {', '.join(f'{s}: {c}' for s, c in sorted(by_status.items()))}")
    print(f"submit latency: p50 {_percentile(latencies, 0.5) * 1000:.0f} ms, p95 {_percentile(latencies, 0.95) * 1000:.0f} ms, "
          f"max {max(latencies) * 1000:.0f} ms, mean {statistics.mean(latencies) * 1000:.0f} ms")
    print(f"throughput: {len(results) / wall:.1f} requests/s ({wall:.2f} s for all)")
    lost = set(accepted) - stored
    extra = stored - set(accepted)
    print(f"stored jobs: {len(stored)}; accepted but not stored: {len(lost)}; stored but not accepted: {len(extra)}; "
          f"repeated ids: {len(accepted) - len(set(accepted))}; 429 without Retry-After: {no_retry_after}")
    over = max(0, len(stored) - args.queue_limit) if not args.workers else 0  # with workers, jobs leave the queue
    if over:
        print(f"queued beyond the limit: {over}")
    ok = (not lost and not extra and len(accepted) == len(set(accepted)) and no_retry_after == 0 and not over
          and set(by_status) <= {201, 429})
    print("verdict:", "ok" if ok else "FAILED")
    return 0 if ok else 1


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=100, help="concurrent submissions (default 100)")
    p.add_argument("--queue-limit", type=int, default=100)
    p.add_argument("--workers", type=int, default=0, help="run jobs too, with this many workers (default: API only)")
    p.add_argument("--db", help="database URL (default: SQLite in a temporary directory); it should be empty")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="service-load-") as tmp:
        return run(args, Path(tmp))


if __name__ == "__main__":
    sys.exit(main())

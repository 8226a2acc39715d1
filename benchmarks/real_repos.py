"""Run `investigate` over commit ranges of real RL repositories and tabulate how it behaves.

The ranges are data (`benchmarks/real_repos.yaml`: repository name, baseline and candidate commit
ids); the repositories are mirrors the user provides (`--mirrors DIR` holding NAME.git), so no
third-party code is stored here. Each range runs in its own process with a wall-clock limit
(default 300 s), one after the other. Per range it prints the exit code, wall time, peak RSS,
findings by severity, recorded analyzer failures (and how many are crashes: an exception escaping an
analyzer), and whether the run itself failed internally (exit code 3 or a traceback); then totals:
internal errors, analyzer crashes, timeouts, wall median and max.

Usage:
  real_repos.py --mirrors DIR [--ranges FILE] [--investigate CMD] [--timeout 300] [--only REPO ...]
                [--out DIR] [--json-out FILE]
  real_repos.py pick --mirrors DIR --repo NAME [--n 4] [--max-files 200]
      prints candidate ranges (consecutive release tags and 5/20-commit first-parent spans spread
      over history) in the ranges file's format, for a maintainer to choose from.

Exit status: 0 when every range ran without internal error, analyzer crash or timeout; 1 otherwise;
2 for bad arguments or a bad ranges file.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

sys.path.insert(0, str(Path(__file__).resolve().parent))
from real_common import (
    GitError,
    RunResult,
    check_inputs,
    git,
    investigate_cmd,
    median,
    mirror_path,
    run_investigate,
)

HERE = Path(__file__).resolve().parent
DEFAULT_RANGES = HERE / "real_repos.yaml"
SHA_RE = re.compile(r"^[0-9a-f]{40}$")


class Range(BaseModel):
    model_config = ConfigDict(extra="forbid")
    repo: str
    baseline: str
    candidate: str
    kind: str = Field(default="", description="tags, fp5, fp20: how the range was chosen")
    label: str = ""

    @field_validator("baseline", "candidate")
    @classmethod
    def _sha(cls, v: str) -> str:
        if not SHA_RE.match(v):
            raise ValueError(f"{v!r} is not a full 40-hex commit id")
        return v

    @property
    def name(self) -> str:
        return self.label or f"{self.repo}:{self.baseline[:8]}..{self.candidate[:8]}"


class Ranges(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ranges: list[Range] = Field(min_length=1)


def load_ranges(path: Path) -> list[Range]:
    """Parse and validate the ranges file; a bad file is one clear message (ValueError)."""
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as e:
        raise ValueError(f"cannot read ranges {path}: {e}") from e
    try:
        rs = Ranges.model_validate(data).ranges
    except ValidationError as e:
        raise ValueError(f"invalid ranges {path}: {e}") from e
    seen: set[tuple[str, str, str]] = set()
    for r in rs:
        key = (r.repo, r.baseline, r.candidate)
        if key in seen:
            raise ValueError(f"duplicate range {r.name}")
        seen.add(key)
    return rs


# ------------------------------------------------------------------ pick (adapted from the team's sweep tool)
RELEASE_TAG = re.compile(r"^v?\d+(\.\d+)+([-.]?(a|b|rc|alpha|beta|post)\d*)?$", re.I)


def spread(n: int, k: int) -> list[int]:
    """k indices into range(n), at the centres of k equal segments (avoids the extremes)."""
    k = min(k, n)
    return sorted({min(n - 1, int((i + 0.5) * n / k)) for i in range(k)})


def files_changed(repo: Path, a: str, b: str) -> int | None:
    """Files changed a..b, or None when the mirror cannot diff them (missing objects)."""
    try:
        return len([ln for ln in git(repo, "diff", "--numstat", a, b).splitlines() if ln])
    except GitError:
        return None


def pick(repo: Path, name: str, n: int, max_files: int) -> list[dict]:
    tags = [t for t in git(repo, "for-each-ref", "--sort=creatordate", "--format=%(refname:short)",
                           "refs/tags").split() if RELEASE_TAG.match(t)]
    pools: dict[str, list[tuple[str, str]]] = {"tags": list(zip(tags, tags[1:], strict=False))}
    fp = git(repo, "rev-list", "--first-parent", "HEAD").split()[::-1]
    for sp in (5, 20):
        pools[f"fp{sp}"] = [(fp[i], fp[i + sp]) for i in range(len(fp) - sp)]
    kinds = [k for k, v in pools.items() if v]
    out = []
    for k in kinds:
        want = sum(1 for i in range(n) if kinds[i % len(kinds)] == k)
        for idx in spread(len(pools[k]), want):
            for a, b in pools[k][idx:idx + 50]:  # skip ranges the mirror cannot diff, or too large
                nf = files_changed(repo, a, b)
                if nf is not None and nf <= max_files:
                    break
            else:
                continue
            ra = git(repo, "rev-parse", f"{a}^{{commit}}").strip()
            rb = git(repo, "rev-parse", f"{b}^{{commit}}").strip()
            label = f"{name}:{a}..{b}" if k == "tags" else f"{name}:{k}:{ra[:8]}..{rb[:8]}"
            out.append({"repo": name, "baseline": ra, "candidate": rb, "kind": k, "label": label,
                        "files_changed": nf})
    return out


# ------------------------------------------------------------------ run
def record(r: Range, res: RunResult | None, error: str | None, files: int | None = None) -> dict:
    rec: dict = {"label": r.name, "repo": r.repo, "baseline": r.baseline, "candidate": r.candidate,
                 "error": error}
    if res is None:
        return rec
    crashes = res.crashes
    rec.update(
        rc=res.rc, timed_out=res.timed_out, wall_s=res.wall_s, peak_mib=res.peak_mib,
        findings=res.findings, n_findings=sum(res.findings.values()),
        failures=len(res.failures), crashes=len(crashes),
        failure_messages=[f"{f.get('source')}: {f.get('message')}"[:300] for f in res.failures],
        first_failure=(f"{res.failures[0].get('source')}: {res.failures[0].get('message')}"
                       if res.failures else None),
        internal_error=res.internal_error,
        stderr_tail=res.stderr_tail[-400:] if (res.internal_error or res.report is None) else "",
        files_changed=((res.report or {}).get("range") or {}).get("files_changed") or files,
        report_error=res.report_error,
    )
    return rec


def table(recs: list[dict]) -> str:
    hdr = (f"{'range':52} {'rc':>4} {'wall':>7} {'MiB':>6} {'files':>5} {'C/S/L':>10} {'fail':>4} "
           f"{'crash':>5} {'int':>3}  first failure / error")
    lines = [hdr, "-" * len(hdr)]
    for r in recs:
        if "rc" not in r:
            lines.append(f"{r['label'][:52]:52} {'-':>4}  error: {r['error']}")
            continue
        f = r["findings"]
        csl = f"{f.get('critical', 0)}/{f.get('significant', 0)}/{f.get('low', 0)}"
        rc = "T/O" if r["timed_out"] else str(r["rc"])
        note = r["first_failure"] or r.get("report_error") or ""
        lines.append(
            f"{r['label'][:52]:52} {rc:>4} {r['wall_s']:>7} {str(r['peak_mib']):>6} {str(r['files_changed']):>5} "
            f"{csl:>10} {r['failures']:>4} {r['crashes']:>5} {'Y' if r['internal_error'] else '-':>3}  {note[:70]}"
        )
    lines.append(totals_line(totals(recs)))
    return "\n".join(lines)


def totals(recs: list[dict]) -> dict:
    ran = [r for r in recs if "rc" in r]
    walls = [r["wall_s"] for r in ran if not r["timed_out"]]
    return {
        "ranges": len(recs),
        "repos": len({r["repo"] for r in recs}),
        "not_run": len(recs) - len(ran),
        "internal_errors": sum(1 for r in ran if r["internal_error"]),
        "analyzer_crashes": sum(r["crashes"] for r in ran),
        "ranges_with_crash": sum(1 for r in ran if r["crashes"]),
        "analyzer_failures": sum(r["failures"] for r in ran),
        "timeouts": sum(1 for r in ran if r["timed_out"]),
        "no_report": sum(1 for r in ran if not r["timed_out"] and r.get("n_findings") is None),
        "wall_median_s": median(walls),
        "wall_max_s": max(walls) if walls else None,
        "peak_mib_max": max((r["peak_mib"] or 0 for r in ran), default=None),
        "findings": {s: sum(r["findings"].get(s, 0) for r in ran) for s in ("critical", "significant", "low")},
    }


def totals_line(t: dict) -> str:
    return (f"{t['ranges']} ranges of {t['repos']} repositories ({t['not_run']} not run): internal errors "
            f"{t['internal_errors']}, analyzer crashes {t['analyzer_crashes']} (in {t['ranges_with_crash']} ranges; "
            f"{t['analyzer_failures']} recorded failures in all), timeouts {t['timeouts']}; wall median "
            f"{t['wall_median_s']} s, max {t['wall_max_s']} s; peak RSS max {t['peak_mib_max']} MiB; findings "
            f"C/S/L {t['findings']['critical']}/{t['findings']['significant']}/{t['findings']['low']}")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "pick":
        ap = argparse.ArgumentParser(prog="real_repos.py pick")
        ap.add_argument("--mirrors", required=True)
        ap.add_argument("--repo", required=True)
        ap.add_argument("--n", type=int, default=4)
        ap.add_argument("--max-files", type=int, default=200)
        a = ap.parse_args(argv[1:])
        m = mirror_path(Path(a.mirrors), a.repo)
        if m is None:
            print(f"error: no mirror of {a.repo} under {a.mirrors}", file=sys.stderr)
            return 2
        print(yaml.safe_dump({"ranges": pick(m, a.repo, a.n, a.max_files)}, sort_keys=False))
        return 0
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mirrors", required=True, help="directory holding NAME.git mirrors of the corpus")
    ap.add_argument("--ranges", default=str(DEFAULT_RANGES))
    ap.add_argument("--investigate", default=shutil.which("investigate") or "investigate")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--only", nargs="*", help="repository names to run")
    ap.add_argument("--out", help="keep each run's reports here (default: a temporary directory)")
    ap.add_argument("--json-out", help="write per-range records and totals here")
    a = ap.parse_args(argv)
    try:
        ranges = load_ranges(Path(a.ranges))
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if a.only:
        ranges = [r for r in ranges if r.repo in set(a.only)]
    mirrors = check_inputs(a.investigate, a.mirrors)
    if isinstance(mirrors, str):
        print(mirrors, file=sys.stderr)
        return 2
    recs: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="real-repos-") as tmpd:
        out = Path(a.out) if a.out else Path(tmpd)
        for i, r in enumerate(ranges, 1):
            print(f"[{i}/{len(ranges)}] {r.name}", file=sys.stderr, flush=True)
            m = mirror_path(mirrors, r.repo)
            if m is None:
                recs.append(record(r, None, f"no mirror of {r.repo} under {mirrors}"))
                continue
            rdir = out / re.sub(r"[^\w.+-]+", "_", r.name)
            if rdir.exists():
                shutil.rmtree(rdir)
            res = run_investigate(investigate_cmd(a.investigate, m, r.baseline, r.candidate, rdir), rdir, a.timeout)
            # a run killed at the timeout wrote no report: count the changed files from git
            files = None if res.report is not None else files_changed(m, r.baseline, r.candidate)
            recs.append(record(r, res, None, files))
            if a.json_out:
                Path(a.json_out).write_text(json.dumps({"ranges": recs, "totals": totals(recs)}, indent=1))
    print(table(recs))
    t = totals(recs)
    bad = t["internal_errors"] or t["analyzer_crashes"] or t["timeouts"] or t["not_run"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

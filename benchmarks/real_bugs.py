"""Mined real-bug benchmark: does the report point at the hunk that broke training?

Each case in `benchmarks/real_bugs.yaml` is a real bug-fix commit in training code of a public RL
repository. At run time the script rebuilds it from the user's mirror (no third-party code is stored
here): a `--shared` clone in a temporary directory, the fix's selected hunks reversed (`git apply -R`)
on top of a later first-parent commit, committed as the candidate. The baseline is the fix commit
(default, `--baseline fix`: the range holds the real commits in between as noise) or the later commit
(`--baseline later`: the bug alone). It runs `investigate --format json` and prints the rank of the
first finding located in the culprit file, whether that finding's lines overlap the culprit hunk, and
the rank of the first finding that does; then top-1 / top-3 / no-finding counts.

Usage:
  real_bugs.py --mirrors DIR [--recipes FILE] [--investigate CMD] [--baseline fix|later]
               [--only ID ...] [--timeout 300] [--json-out FILE] [--keep DIR]
  real_bugs.py describe --mirrors DIR --repo NAME --fix SHA --later SHA --select PATH[:H,H] ...
      prints the recipe fields (patch hash, culprit range) for a new case.

`--recipes benchmarks/real_bugs_holdout.yaml` runs the held-out set: real bugs of repositories outside
the corpus the rules were tuned on, for a generalisation figure (never tune on it). That set has since been
used to tune; `--recipes benchmarks/real_bugs_holdout2.yaml` runs a second one, of seven more repositories, and
`--recipes benchmarks/real_bugs_holdout3.yaml` a third, of sixteen more (mined after the second was used to tune).
`--recipes benchmarks/real_bugs_holdout4.yaml` runs a fourth, of ten more repositories (mined after the third was
used to tune).

A case whose patch hash differs from the recipe, or whose reverse patch no longer applies, is reported
as an error of the benchmark (it measures nothing), never silently skipped.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

sys.path.insert(0, str(Path(__file__).resolve().parent))
from real_common import (
    GitError,
    check_inputs,
    git,
    investigate_cmd,
    mirror_path,
    run_investigate,
)

HERE = Path(__file__).resolve().parent
DEFAULT_RECIPES = HERE / "real_bugs.yaml"
# Cases from repositories outside the tuned corpus: measured, never used to tune (see its header).
HOLDOUT_RECIPES = HERE / "real_bugs_holdout.yaml"
# A second held-out set, mined after the first one had been used to tune (see its header).
HOLDOUT2_RECIPES = HERE / "real_bugs_holdout2.yaml"
# A third one, mined after the second had been used to tune (see its header).
HOLDOUT3_RECIPES = HERE / "real_bugs_holdout3.yaml"
SHA_RE = re.compile(r"^[0-9a-f]{40}$")
SLACK = 3  # lines of tolerance when matching a finding's lines against the culprit hunk
# The author/committer of the rebuilt candidate commit: fixed, so the same recipe gives the same commit.
COMMIT_ENV = {
    "GIT_AUTHOR_NAME": "real-bugs benchmark", "GIT_AUTHOR_EMAIL": "bench@invalid",
    "GIT_COMMITTER_NAME": "real-bugs benchmark", "GIT_COMMITTER_EMAIL": "bench@invalid",
    "GIT_AUTHOR_DATE": "2000-01-01T00:00:00+0000", "GIT_COMMITTER_DATE": "2000-01-01T00:00:00+0000",
}


# ------------------------------------------------------------------ recipes
class Selection(BaseModel):
    """Which part of the fix to reverse: one file, all of its hunks or the listed (0-based) ones."""

    model_config = ConfigDict(extra="forbid")
    path: str
    hunks: list[int] | None = None

    @field_validator("hunks")
    @classmethod
    def _hunks(cls, v: list[int] | None) -> list[int] | None:
        if v is not None and (not v or any(h < 0 for h in v) or len(set(v)) != len(v)):
            raise ValueError("hunks must be distinct non-negative indices")
        return v


class Culprit(BaseModel):
    """Lines of the re-applied bug in the candidate commit (1-based, inclusive)."""

    model_config = ConfigDict(extra="forbid")
    path: str
    start: int = Field(ge=1)
    end: int = Field(ge=1)

    @model_validator(mode="after")
    def _order(self) -> Culprit:
        if self.end < self.start:
            raise ValueError(f"culprit end {self.end} < start {self.start}")
        return self

    def __str__(self) -> str:
        return f"{self.path}:{self.start}-{self.end}"


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    repo: str
    fix: str
    later: str
    distance: int = Field(ge=5, le=10, description="first-parent commits from fix to later")
    kind: str
    description: str
    select: list[Selection] = Field(min_length=1)
    patch_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    culprit: Culprit

    @field_validator("fix", "later")
    @classmethod
    def _sha(cls, v: str) -> str:
        if not SHA_RE.match(v):
            raise ValueError(f"{v!r} is not a full 40-hex commit id")
        return v


class Recipes(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cases: list[Case]

    @model_validator(mode="after")
    def _unique(self) -> Recipes:
        ids = [c.id for c in self.cases]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"duplicate case ids: {dup}")
        for c in self.cases:
            if c.culprit.path not in {s.path for s in c.select}:
                raise ValueError(f"{c.id}: culprit {c.culprit.path} is not among the selected files")
        return self


def load_recipes(path: Path) -> list[Case]:
    """Parse and validate the recipe file; a bad file is one clear message (ValueError)."""
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as e:
        raise ValueError(f"cannot read recipes {path}: {e}") from e
    try:
        return Recipes.model_validate(data).cases
    except ValidationError as e:
        raise ValueError(f"invalid recipes {path}: {e}") from e


# ------------------------------------------------------------------ patches
HUNK_RE = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def split_patch(text: str) -> dict[str, tuple[str, list[str]]]:
    """A `git diff` output as {path: (file header, [hunk texts])}; the path is the b/ side's."""
    files: dict[str, tuple[str, list[str]]] = {}
    for block in re.split(r"(?m)^(?=diff --git )", text):
        if not block.startswith("diff --git "):
            continue
        lines = block.splitlines(keepends=True)
        header: list[str] = []
        hunks: list[list[str]] = []
        for ln in lines:
            if ln.startswith("@@"):
                hunks.append([ln])
            elif hunks:
                hunks[-1].append(ln)
            else:
                header.append(ln)
        m = re.match(r"diff --git a/(.*?) b/(.*)$", lines[0].rstrip("\n"))
        if not m:
            raise ValueError(f"unparseable diff header: {lines[0]!r}")
        files[m.group(2)] = ("".join(header), ["".join(h) for h in hunks])
    return files


def select_patch(text: str, selection: list[Selection]) -> str:
    """The patch restricted to the selected files and hunks, in selection order."""
    files = split_patch(text)
    out: list[str] = []
    for sel in selection:
        if sel.path not in files:
            raise ValueError(f"{sel.path} is not changed by the fix")
        header, hunks = files[sel.path]
        idx = sel.hunks if sel.hunks is not None else list(range(len(hunks)))
        bad = [i for i in idx if i >= len(hunks)]
        if bad:
            raise ValueError(f"{sel.path}: hunk index {bad} out of range (the fix has {len(hunks)})")
        if not hunks:
            raise ValueError(f"{sel.path}: no text hunks (binary or mode-only change)")
        out.append(header + "".join(hunks[i] for i in sorted(idx)))
    return "".join(out)


def patch_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def fix_diff(repo: Path, fix: str, paths: list[str]) -> str:
    """The fix's own diff (first parent → fix), with options pinned so its bytes do not depend on
    the user's git configuration."""
    return git(
        repo, "diff", "--no-color", "--no-ext-diff", "--no-textconv", "--no-renames",
        "--diff-algorithm=myers", "--indent-heuristic", "--full-index", "-U3", "--src-prefix=a/", "--dst-prefix=b/",
        f"{fix}^", fix, "--", *paths,
    )


def changed_ranges(diff_u0: str) -> dict[str, list[tuple[int, int, int, int]]]:
    """{path: [(old_start, old_count, new_start, new_count)]} from a `-U0` diff."""
    out: dict[str, list[tuple[int, int, int, int]]] = {}
    for path, (_, hunks) in split_patch(diff_u0).items():
        for h in hunks:
            m = HUNK_RE.match(h)
            if m:
                a, b, c, d = m.groups()
                out.setdefault(path, []).append((int(a), int(b or 1), int(c), int(d or 1)))
    return out


def span(ranges: list[tuple[int, int]]) -> tuple[int, int]:
    """The inclusive line span covering (start, count) ranges; a pure deletion (count 0) after
    line s counts as lines s..s+1, where a reader of the file would look for the missing code."""
    lo = min(max(1, s) for s, _ in ranges)
    hi = max(s + c - 1 if c else s + 1 for s, c in ranges)
    return lo, max(lo, hi)


def map_line(hunks: list[tuple[int, int, int, int]], new_line: int) -> int:
    """Map a line number of the new side of a `-U0` diff to the old side (lines inside a changed
    hunk map to the hunk's old start)."""
    offset = 0
    for a, b, c, d in hunks:
        # with a zero count, git names the line *before* the change
        if new_line < (c if d else c + 1):
            break
        if d and new_line < c + d:
            return max(1, a)
        offset = (a + b if b else a + 1) - (c + d if d else c + 1)
    return max(1, new_line + offset)


# ------------------------------------------------------------------ ranking
def finding_locations(f: dict) -> list[dict]:
    """A finding's own locations, then those of its evidence."""
    locs = list(f.get("locations") or [])
    for ev in f.get("evidence") or []:
        locs.extend(ev.get("locations") or [])
    return locs


def overlaps(loc: dict, lo: int, hi: int, slack: int = SLACK) -> bool:
    line = loc.get("line")
    if line is None:
        return False
    end = loc.get("end_line") or line
    return line <= hi + slack and end >= lo - slack


def culprit_rank(
    findings: list[dict],
    path: str,
    cand_span: tuple[int, int],
    base_span: tuple[int, int] | None,
) -> dict:
    """Rank (1-based, in report order) of the first finding located in the culprit file, whether it
    overlaps the culprit lines (candidate-side locations against the candidate span, baseline-side
    ones against the baseline span), and the rank of the first finding that overlaps."""
    file_rank = file_overlap = hunk_rank = None
    ordered = sorted(findings, key=lambda f: f.get("rank") or 10**9)
    for i, f in enumerate(ordered, 1):
        locs = [loc for loc in finding_locations(f) if loc.get("path") == path]
        if not locs:
            continue
        hit = any(
            overlaps(loc, *cand_span) if loc.get("side") != "baseline"
            else base_span is not None and overlaps(loc, *base_span)
            for loc in locs
        )
        if file_rank is None:
            file_rank, file_overlap = i, hit
        if hit and hunk_rank is None:
            hunk_rank = i
    return {"file_rank": file_rank, "overlap": file_overlap, "hunk_rank": hunk_rank, "n_findings": len(findings)}


def summarize(rows: list[dict]) -> dict:
    """top-1 / top-3 / no-finding counts over measured cases. A case the benchmark could not rebuild
    (`error`) is counted apart; one where the engine failed (`engine_error`: timeout, internal error)
    is measured: nothing in a report that was never written points at the culprit."""
    measured = [r for r in rows if r.get("error") is None]
    ranks = [r["file_rank"] for r in measured]
    return {
        "cases": len(rows),
        "measured": len(measured),
        "errors": len(rows) - len(measured),
        "top1": sum(1 for k in ranks if k == 1),
        "top3": sum(1 for k in ranks if k is not None and k <= 3),
        "culprit_absent": sum(1 for k in ranks if k is None),
        "no_finding": sum(1 for r in measured if r["n_findings"] == 0),
        "hunk_top3": sum(1 for r in measured if r["hunk_rank"] is not None and r["hunk_rank"] <= 3),
        "engine_errors": sum(1 for r in measured if r.get("engine_error")),
    }


# ------------------------------------------------------------------ rebuilding a case
def first_parent_distance(repo: Path, fix: str, later: str) -> int | None:
    """How many first-parent steps lead from `later` back to `fix` (None: not on that line)."""
    chain = git(repo, "rev-list", "--first-parent", f"{fix}^..{later}").split()
    chain.reverse()  # oldest first: fix, ..., later
    return len(chain) - 1 if chain and chain[0] == fix else None


def build_candidate(repo: Path, case_fix: str, later: str, selection: list[Selection], work: Path) -> tuple[str, str]:
    """Commit the reversed selection on top of `later` in `repo` (a scratch clone). Returns
    (patch text, candidate sha). Raises GitError when the patch does not apply."""
    patch = select_patch(fix_diff(repo, case_fix, [s.path for s in selection]), selection)
    env = {"GIT_INDEX_FILE": str(work / "bench.index")}
    git(repo, "read-tree", later, env=env)
    git(repo, "apply", "--cached", "-R", "--whitespace=nowarn", "-", env=env, input=patch)
    tree = git(repo, "write-tree", env=env).strip()
    sha = git(
        repo, "commit-tree", tree, "-p", later, "-m", "bench: re-apply the bug", env=env | COMMIT_ENV,
    ).strip()
    git(repo, "update-ref", "refs/heads/bench-candidate", sha)
    return patch, sha


def culprit_spans(repo: Path, base: str, later: str, cand: str, path: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """The culprit's line span at the candidate and at the baseline (`base`: fix or later)."""
    u0 = changed_ranges(git(repo, "diff", "--no-color", "--no-renames", "-U0", later, cand, "--", path))
    hunks = u0.get(path)
    if not hunks:
        raise GitError(f"the re-applied patch does not change {path}")
    cand_span = span([(c, d) for _, _, c, d in hunks])
    later_span = span([(a, b) for a, b, _, _ in hunks])
    if base == later:
        return cand_span, later_span
    # map lines of `later` back to `base` across the real commits in between
    between = changed_ranges(git(repo, "diff", "--no-color", "--no-renames", "-U0", base, later, "--", path))
    h = between.get(path, [])
    return cand_span, (map_line(h, later_span[0]), map_line(h, later_span[1]))


def check_diffable(repo: Path, a: str, b: str) -> None:
    """The mirror must be able to diff a..b (fetched mirrors may lack a few blobs); otherwise the
    range measures the mirror, not the engine."""
    try:
        git(repo, "diff", "--numstat", a, b)
    except GitError as e:
        raise GitError(f"the mirror cannot diff {a[:10]}..{b[:10]} (missing objects?): {e}") from None


def scratch_clone(mirror: Path, dest: Path) -> Path:
    """A bare clone sharing the mirror's objects: the user's mirror is only read, never written."""
    import subprocess

    r = subprocess.run(
        ["git", "clone", "-q", "--bare", "--shared", "--no-tags", str(mirror), str(dest)],
        capture_output=True, text=True,
    )
    if r.returncode != 0:
        raise GitError(f"cannot clone {mirror}: {r.stderr.strip()[:300]}")
    return dest


def run_case(case: Case, mirrors: Path, investigate: str, baseline_mode: str, timeout: float, tmp: Path) -> dict:
    row: dict = {"id": case.id, "repo": case.repo, "kind": case.kind, "culprit": str(case.culprit),
                 "error": None, "engine_error": None, "file_rank": None, "overlap": None, "hunk_rank": None,
                 "n_findings": 0}
    mirror = mirror_path(mirrors, case.repo)
    if mirror is None:
        row["error"] = f"no mirror of {case.repo} under {mirrors}"
        return row
    work = tmp / case.id
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    try:
        repo = scratch_clone(mirror, work / "repo.git")
        dist = first_parent_distance(repo, case.fix, case.later)
        if dist != case.distance:
            raise GitError(f"first-parent distance fix→later is {dist}, recipe says {case.distance}")
        patch, cand = build_candidate(repo, case.fix, case.later, case.select, work)
        digest = patch_sha256(patch)
        if digest != case.patch_sha256:
            raise GitError(f"patch hash {digest[:12]} differs from the recipe's {case.patch_sha256[:12]}")
        base = case.fix if baseline_mode == "fix" else case.later
        check_diffable(repo, case.fix, case.later)
        cand_span, base_span = culprit_spans(repo, base, case.later, cand, case.culprit.path)
        if cand_span != (case.culprit.start, case.culprit.end):
            raise GitError(f"culprit lines are {cand_span}, recipe says {case.culprit.start}-{case.culprit.end}")
    except (GitError, ValueError) as e:
        row["error"] = str(e)
        return row
    res = run_investigate(investigate_cmd(investigate, repo, base, cand, work / "out"), work / "out", timeout)
    row.update(rc=res.rc, timed_out=res.timed_out, wall_s=res.wall_s, peak_mib=res.peak_mib,
               findings=res.findings, failures=len(res.failures), internal_error=res.internal_error)
    if res.report is None:
        # the engine failed on this case: measured, with nothing pointing at the culprit
        row["engine_error"] = "timeout" if res.timed_out else (res.report_error or f"no report (rc {res.rc})")
        row["stderr_tail"] = res.stderr_tail[-400:]
        return row
    findings = res.report.get("findings") or []
    row.update(culprit_rank(findings, case.culprit.path, cand_span, base_span))
    top = sorted(findings, key=lambda f: f.get("rank") or 10**9)[:3]
    row["top3"] = [f"{f.get('severity')}: {f.get('title')}" for f in top]
    return row


# ------------------------------------------------------------------ output
def table(rows: list[dict]) -> str:
    hdr = f"{'case':34} {'repo':14} {'kind':13} {'file#':>5} {'ovl':>3} {'hunk#':>5} {'n':>4} {'C/S/L':>9} {'wall':>6}  note"
    lines = [hdr, "-" * len(hdr)]
    for r in rows:
        f = r.get("findings") or {}
        csl = f"{f.get('critical', 0)}/{f.get('significant', 0)}/{f.get('low', 0)}" if f else "-"
        ovl = "-" if r["overlap"] is None else ("y" if r["overlap"] else "n")
        lines.append(
            f"{r['id'][:34]:34} {r['repo'][:14]:14} {r['kind'][:13]:13} {str(r['file_rank'] or '-'):>5} {ovl:>3} "
            f"{str(r['hunk_rank'] or '-'):>5} {r['n_findings']:>4} {csl:>9} {str(r.get('wall_s', '-')):>6}  "
            f"{(r['error'] or r.get('engine_error') or '')[:80]}"
        )
    s = summarize(rows)
    m = s["measured"] or 1
    lines.append(
        f"cases {s['cases']} (measured {s['measured']}, errors {s['errors']}): culprit file top-1 {s['top1']} "
        f"({100 * s['top1'] / m:.0f} %), top-3 {s['top3']} ({100 * s['top3'] / m:.0f} %), culprit absent "
        f"{s['culprit_absent']}, no finding at all {s['no_finding']} (engine failed on {s['engine_errors']}); "
        f"culprit hunk top-3 {s['hunk_top3']}"
    )
    return "\n".join(lines)


def describe(args: argparse.Namespace) -> int:
    """Print the recipe fields of a new case (the maintainer reads the diff before adding it)."""
    mirror = mirror_path(Path(args.mirrors), args.repo)
    if mirror is None:
        print(f"error: no mirror of {args.repo} under {args.mirrors}", file=sys.stderr)
        return 2
    sels = []
    for s in args.select:
        p, _, h = s.partition(":")
        sels.append(Selection(path=p, hunks=[int(x) for x in h.split(",")] if h else None))
    with tempfile.TemporaryDirectory(prefix="real-bugs-") as tmp:
        try:
            repo = scratch_clone(mirror, Path(tmp) / "repo.git")
            fix = git(repo, "rev-parse", f"{args.fix}^{{commit}}").strip()
            later = git(repo, "rev-parse", f"{args.later}^{{commit}}").strip()
            patch, cand = build_candidate(repo, fix, later, sels, Path(tmp))
            check_diffable(repo, fix, later)
            cs, _ = culprit_spans(repo, later, later, cand, sels[0].path)
            dist = first_parent_distance(repo, fix, later)
        except (GitError, ValueError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
    print(patch)
    entry = {
        "id": args.id or "CHANGE-ME", "repo": args.repo, "fix": fix, "later": later, "distance": dist,
        "kind": "CHANGE-ME", "description": "CHANGE-ME",
        "select": [s.model_dump(exclude_none=True) for s in sels],
        "patch_sha256": patch_sha256(patch),
        "culprit": {"path": sels[0].path, "start": cs[0], "end": cs[1]},
    }
    print(yaml.safe_dump([entry], sort_keys=False))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "describe":
        ap = argparse.ArgumentParser(prog="real_bugs.py describe")
        ap.add_argument("--mirrors", required=True)
        ap.add_argument("--repo", required=True)
        ap.add_argument("--fix", required=True)
        ap.add_argument("--later", required=True)
        ap.add_argument("--select", nargs="+", required=True, help="PATH or PATH:H,H (0-based hunk indices)")
        ap.add_argument("--id")
        return describe(ap.parse_args(argv[1:]))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mirrors", required=True, help="directory holding NAME.git mirrors of the corpus")
    ap.add_argument("--recipes", default=str(DEFAULT_RECIPES))
    ap.add_argument("--investigate", default=shutil.which("investigate") or "investigate")
    ap.add_argument("--baseline", choices=("fix", "later"), default="fix")
    ap.add_argument("--only", nargs="*", help="case ids to run")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--json-out", help="write the per-case rows and the summary here")
    ap.add_argument("--keep", help="build the cases under this directory and keep them (default: a temp dir)")
    a = ap.parse_args(argv)
    try:
        cases = load_recipes(Path(a.recipes))
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if a.only:
        unknown = set(a.only) - {c.id for c in cases}
        if unknown:
            print(f"error: unknown case ids {sorted(unknown)}", file=sys.stderr)
            return 2
        cases = [c for c in cases if c.id in a.only]
    mirrors = check_inputs(a.investigate, a.mirrors)
    if isinstance(mirrors, str):
        print(mirrors, file=sys.stderr)
        return 2
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="real-bugs-") as tmpd:
        tmp = Path(a.keep) if a.keep else Path(tmpd)
        tmp.mkdir(parents=True, exist_ok=True)
        for i, c in enumerate(cases, 1):
            print(f"[{i}/{len(cases)}] {c.id}", file=sys.stderr, flush=True)
            rows.append(run_case(c, mirrors, a.investigate, a.baseline, a.timeout, tmp))
            if a.json_out:
                Path(a.json_out).write_text(json.dumps({"rows": rows, "summary": summarize(rows)}, indent=1))
    print(table(rows))
    return 0 if all(r["error"] is None for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

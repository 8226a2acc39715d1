"""The detector evaluation suite: a CleanRL-style PPO project and its variants, read from fixture folders.

`tests/fixtures/detectors/` (layout in docs/detectors.md, "Adding a detector"):

- `_project/`: the baseline, a realistic nine-file PPO implementation (source text only: it is
  parsed, never run). Its GAE module is the demo template's `compute_gae` (a test checks they match).
- `<detector_id>/<variant>/`: one variant of it. The folder holds only the files the variant changes
  or adds, whole, at their project paths, and `case.yaml`: `kind` (*regressed*: one behavioural
  change the detector must find, with the `subsystem` and the `path` of the expected finding;
  *preserving*: a refactor such as a rename, an extracted function, a moved module, reformatting,
  that must not produce a critical or significant finding from any detector), `description`,
  `deleted` (project files the variant removes) and `order` (its row in the benchmark's table).
- `_general/<variant>/`: preserving variants that concern no detector in particular.

Why overlays and not whole copies: every variant is a small edit of the same project; a folder of
the changed files alone keeps the change visible and cannot drift in the files it does not touch.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from investigator.analyzers.base import AnalysisContext
from investigator.detectors.analyzer import CodeDetectorsAnalyzer
from investigator.detectors.sources import text_hunks
from investigator.git import build_changeset, open_repository, resolve_range
from investigator.playbooks_lib.schema import load_playbooks
from investigator.request import InvestigationRequest
from tests.support.gitrepo import commit_files, make_repo

Files = dict[str, str]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "detectors"
PROJECT = "_project"  # the baseline project
GENERAL = "_general"  # preserving variants that concern no detector in particular
CASE_FILE = "case.yaml"
# The suite's historical kind names (the benchmark's table prints them) for the fixtures' kinds.
KINDS = {"regressed": "bug", "preserving": "refactor"}


class FixtureError(ValueError):
    """A fixture folder that does not describe a valid variant (one message naming it)."""


class CaseSpec(BaseModel):
    """A variant's `case.yaml`: what the suite asserts about it."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["regressed", "preserving"]
    description: str
    subsystem: str = ""  # regressed: subsystem of the expected finding
    path: str = ""  # regressed: candidate path of the expected finding (a changed file)
    deleted: list[str] = []
    order: int  # row in the benchmark's table (lower first)

    @model_validator(mode="after")
    def _expectation_matches_kind(self) -> CaseSpec:
        if self.kind == "regressed" and not (self.subsystem and self.path):
            raise ValueError("a regressed variant names the subsystem and path of the expected finding")
        if self.kind == "preserving" and (self.subsystem or self.path):
            raise ValueError("a preserving variant expects no finding: no subsystem or path")
        return self


def read_tree(root: Path, skip: Iterable[str] = ()) -> Files:
    """Every file under `root` by its relative POSIX path, text exactly as stored."""
    skipped = set(skip)
    files: Files = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if p.is_file() and rel not in skipped and "__pycache__" not in p.parts:
            files[rel] = p.read_bytes().decode()
    return files


BASE_FILES: Files = read_tree(FIXTURES / PROJECT)


@dataclass
class Variant:
    id: str
    kind: str  # "bug" | "refactor"
    description: str
    edit: Callable[[Files], Files]
    family: str = ""  # detector family expected to find a bug
    subsystem: str = ""  # expected subsystem of the bug
    path: str = ""  # file (candidate path) where the bug is
    home: str = ""  # fixture folder it was read from: a detector id or `_general`
    order: int = 0

    def apply(self) -> Files:
        return self.edit(dict(BASE_FILES))


def replace(files: Files, path: str, old: str, new: str, count: int = 1) -> Files:
    """Edit one file; fails loudly when the base no longer contains the text (keeps the suite honest)."""
    text = files[path]
    old, new = _block(old), _block(new)
    if text.count(old) < count:
        raise ValueError(f"variant edit does not apply to {path}: {old!r}")
    out = dict(files)
    out[path] = text.replace(old, new, count)
    return out


def _block(text: str) -> str:
    """Strip the one leading newline of triple-quoted edit fragments, keep indentation."""
    return text[1:] if text.startswith("\n") else text


def edits(*steps: tuple[str, str, str]) -> Callable[[Files], Files]:
    """Text replacements applied in order (ad-hoc variants of tests that build their own)."""

    def apply(files: Files) -> Files:
        for path, old, new in steps:
            files = replace(files, path, old, new)
        return files

    return apply


def overlay(changed: Files, deleted: Iterable[str] = ()) -> Callable[[Files], Files]:
    """The edit of a fixture variant: remove `deleted` (each must exist), then write `changed` whole."""
    gone = list(deleted)

    def apply(files: Files) -> Files:
        missing = [p for p in gone if p not in files]
        if missing:
            raise ValueError(f"variant deletes files the project does not have: {missing}")
        out = {p: t for p, t in files.items() if p not in gone}
        out.update(changed)
        return out

    return apply


def load_variant(folder: Path) -> Variant:
    """The variant in `folder` (`<home>/<variant id>/`); FixtureError when it is not a valid one."""
    try:
        spec = CaseSpec.model_validate(yaml.safe_load((folder / CASE_FILE).read_text()))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise FixtureError(f"{folder}: invalid {CASE_FILE}: {exc}") from exc
    changed = read_tree(folder, skip=[CASE_FILE])
    if not changed and not spec.deleted:
        raise FixtureError(f"{folder}: the variant changes no file")
    if spec.kind == "regressed" and spec.path not in changed:
        raise FixtureError(f"{folder}: the expected finding's path {spec.path!r} is not a file the variant changes")
    home = folder.parent.name
    return Variant(
        id=folder.name,
        kind=KINDS[spec.kind],
        description=spec.description,
        edit=overlay(changed, spec.deleted),
        family=home if spec.kind == "regressed" else "",
        subsystem=spec.subsystem,
        path=spec.path,
        home=home,
        order=spec.order,
    )


def load_variants(root: Path = FIXTURES) -> list[Variant]:
    """Every variant under `root` in table order; ids are unique (each names a repository of a run)."""
    folders = [v for home in sorted(root.iterdir()) if home.is_dir() and home.name != PROJECT
               for v in sorted(home.iterdir()) if v.is_dir()]
    variants = sorted((load_variant(f) for f in folders), key=lambda v: (v.order, v.id))
    seen: dict[str, str] = {}
    for v in variants:
        if v.id in seen:
            raise FixtureError(f"variant id {v.id!r} is used under both {seen[v.id]!r} and {v.home!r}")
        seen[v.id] = v.home
    return variants


VARIANTS: list[Variant] = load_variants()
BUGS: list[Variant] = [v for v in VARIANTS if v.kind == "bug"]
REFACTORS: list[Variant] = [v for v in VARIANTS if v.kind == "refactor"]


# -- running the suite ----------------------------------------------------------------------------
@dataclass
class VariantOutcome:
    variant: Variant
    rank: int | None  # 1-based rank of the first finding that matches the bug (None: not found)
    found_by: str  # detector of that finding
    top: list[str]  # the top findings, rendered
    false_positives: list[str]  # critical/significant findings on a refactor
    no_effect: int
    seconds: float

    @property
    def recalled(self) -> bool:
        return self.rank is not None and self.rank <= 3


def build_repo(root: str, variant: Variant, template: str | None = None) -> None:
    """A git repository with the baseline commit and the variant commit on top of it.

    `template` is an existing baseline repository to copy (much faster than re-committing)."""
    if template is not None:
        shutil.copytree(template, root, dirs_exist_ok=True)
    else:
        make_repo(Path(root), [("baseline", BASE_FILES)])
    changed = variant.apply()
    deleted: dict[str, str | None] = {path: None for path in set(BASE_FILES) - set(changed)}
    written = {p: t for p, t in changed.items() if BASE_FILES.get(p) != t}
    commit_files(Path(root), {**deleted, **written}, variant.id)


def baseline_template(workdir: str) -> str:
    """The baseline repository, built once per suite run."""
    root = Path(workdir) / "_baseline"
    make_repo(root, [("baseline", BASE_FILES)])
    return str(root)


def _expected_lines(variant: Variant) -> dict[str, set[int]]:
    """Changed lines of the bug's file on each side (baseline path = candidate path in bug variants)."""
    after = variant.apply()
    out: dict[str, set[int]] = {"baseline": set(), "candidate": set()}
    for h in text_hunks(BASE_FILES.get(variant.path, ""), after.get(variant.path, "")):
        for sign, number, _ in h.changed_pairs():
            out["baseline" if sign == "-" else "candidate"].add(number)
        if not any(s == "+" for s, _, _ in h.changed_pairs()):
            out["candidate"].add(h.new_start)
        if not any(s == "-" for s, _, _ in h.changed_pairs()):
            out["baseline"].add(h.old_start)
    return out


def _matches(finding, variant: Variant, expected: dict[str, set[int]], slack: int = 3) -> bool:
    if finding.subsystem != variant.subsystem:
        return False
    for loc in finding.locations:
        if loc.path == variant.path and loc.line is not None and any(
            abs(loc.line - n) <= slack for n in expected[loc.side]
        ):
            return True
    return False


def run_variant(variant: Variant, workdir: str, template: str | None = None) -> VariantOutcome:
    root = str(Path(workdir) / variant.id)
    Path(root).mkdir(parents=True, exist_ok=True)
    build_repo(root, variant, template)
    start = time.perf_counter()
    handle = open_repository(root)
    commit_range = resolve_range(handle, "HEAD~1", "HEAD")
    changeset = build_changeset(handle, commit_range)
    ctx = AnalysisContext(
        request=InvestigationRequest(repo=root, baseline_commit="HEAD~1", candidate_commit="HEAD"),
        changeset=changeset,
        triage=None,
        playbooks=load_playbooks(),
        output_dir=Path(root) / ".report",
    )
    analyzer = CodeDetectorsAnalyzer()
    result = analyzer.run(ctx) if analyzer.applies(ctx)[0] else None
    seconds = time.perf_counter() - start
    findings = result.findings if result else []
    ranked = sorted(findings, key=lambda f: (-f.severity.weight, -f.confidence))
    top = [f"{f.severity.value}/{f.confidence:.2f} {f.subsystem} {f.title}" for f in ranked[:3]]
    rank, found_by = None, ""
    if variant.kind == "bug":
        expected = _expected_lines(variant)
        for i, f in enumerate(ranked, start=1):
            if _matches(f, variant, expected):
                rank, found_by = i, f.source.rsplit(".", 1)[-1]
                break
    fps = [] if variant.kind == "bug" else [
        f"{f.severity.value} {f.source} {f.title}" for f in ranked if f.severity.value in ("critical", "significant")
    ]
    return VariantOutcome(variant, rank, found_by, top, fps, len(result.no_effect) if result else 0, seconds)


def run_suite(workdir: str, variants: list[Variant] | None = None) -> list[VariantOutcome]:
    template = baseline_template(workdir)
    return [run_variant(v, workdir, template) for v in (variants or VARIANTS)]


def summary_table(outcomes: list[VariantOutcome]) -> str:
    """The markdown table printed by the benchmark and copied into docs/detectors.md."""
    bugs = [o for o in outcomes if o.variant.kind == "bug"]
    refactors = [o for o in outcomes if o.variant.kind == "refactor"]
    lines = ["| variant | kind | expected (family / subsystem) | rank | found by | top finding |", "|---|---|---|---|---|---|"]
    for o in outcomes:
        v = o.variant
        expected = f"{v.family} / {v.subsystem}" if v.kind == "bug" else "no critical/significant"
        rank = (str(o.rank) if o.rank else "missed") if v.kind == "bug" else f"{len(o.false_positives)} FP"
        top = o.top[0] if o.top else "-"
        lines.append(f"| {v.id} | {v.kind} | {expected} | {rank} | {o.found_by or '-'} | {top} |")
    recall = sum(o.recalled for o in bugs) / max(len(bugs), 1)
    fps = sum(len(o.false_positives) for o in refactors)
    families = sorted({o.variant.family for o in bugs})
    lines += [
        "",
        f"Bugs: {len(bugs)} variants over {len(families)} detector families; recall@3 = "
        f"{sum(o.recalled for o in bugs)}/{len(bugs)} = {recall:.1%}; rank-1 = {sum(o.rank == 1 for o in bugs)}/{len(bugs)}.",
        f"Refactors: {len(refactors)} variants; critical/significant false positives = {fps}.",
        f"Analyzer time per variant: mean {sum(o.seconds for o in outcomes) / max(len(outcomes), 1):.3f} s, "
        f"max {max((o.seconds for o in outcomes), default=0):.3f} s.",
    ]
    return "\n".join(lines)

"""The SARIF 2.1.0 report: the findings as code-review annotations (GitHub code scanning, IDE viewers).

Why: a regression hunt run on a pull request should show its findings where reviewers look, on the
changed lines. One result per finding: the rule is the unit that produced it, the level follows the
severity (critical -> error, significant -> warning, low -> note), the location is the candidate's
file and line (the commit under review, named in `versionControlProvenance`), the baseline's in
`relatedLocations`. A finding located only at the baseline (a configuration key removed) is anchored
on that file without a line; a finding with no file of the repository (a training-log regression:
its places are run directories) has no `locations`, as SARIF allows (GitHub code scanning rejects
such results: docs/ci.md).

`partialFingerprints` identify a finding across runs and commits: its rule, file and what it says,
without line numbers, so an alert stays one alert while lines move.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit, urlunsplit

from pydantic_core import to_json

from investigator import __version__
from investigator.models import EvidenceKind, Finding, Location
from investigator.report.sarif_rules import LEVELS, rule_descriptor, rule_id

if TYPE_CHECKING:  # the workflow imports the report writer; only annotations need the state
    from investigator.workflow.state import Investigation

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
CANDIDATE_BASE = "SRCROOT"  # the candidate's tree: the checkout a code-review tool shows
BASELINE_BASE = "BASELINE"  # the baseline's tree (the same repository at another commit)
FINGERPRINT_KEY = "investigatorFinding/v1"
_MAX_EVIDENCE = 3  # evidence summaries in a result's message; all of them are in the JSON report
_REMOTE = ("http://", "https://", "ssh://", "git://", "file://")


def artifact_uri(path: str) -> str:
    """A repository-relative path as a relative URI reference: `/`-separated, percent-encoded (spaces,
    non-ASCII, `#`, `?`, `%`, and a `:` that would read as a scheme)."""
    return quote(path.replace("\\", "/").lstrip("/"), safe="/")


def repository_uri(repo: str) -> str | None:
    """An absolute URI for the repository: a URL without its credentials, `ssh://` for scp-like
    `user@host:path`, `file://` for a local path; None when there is none to give."""
    if repo.startswith(_REMOTE):
        parts = urlsplit(repo)
        host = parts.hostname or ""
        # userinfo over HTTP is a credential (`https://TOKEN@host/...`); over ssh a login name (`git@`)
        keep_user = parts.scheme == "ssh" and parts.username and not parts.password
        netloc = (f"{parts.username}@" if keep_user else "") + host
        netloc += f":{parts.port}" if parts.port else ""
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    head, sep, tail = repo.partition(":")
    if sep and "@" in head and "/" not in head:  # git@github.com:org/repo.git
        user, _, host = head.rpartition("@")
        return f"ssh://{user.split(':')[0]}@{host}/{tail.lstrip('/')}"
    try:
        return Path(repo).expanduser().resolve().as_uri()
    except (OSError, ValueError):
        return None


def _region(loc: Location) -> dict[str, int] | None:
    if loc.line is None or loc.line < 1:
        return None
    region = {"startLine": loc.line}
    if loc.end_line is not None and loc.end_line > loc.line:
        region["endLine"] = loc.end_line
    return region


def _physical(loc: Location, base: str, with_region: bool = True) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(loc.path), "uriBaseId": base}}
    region = _region(loc) if with_region else None
    if region:
        physical["region"] = region
    return physical


def _where(inv: Investigation, side: str) -> str:
    if inv.range is None:
        return f"the {side}"
    ref = inv.range.baseline if side == "baseline" else inv.range.candidate
    return f"the {side} `{ref.short}`"


_CODE_EVIDENCE = frozenset({EvidenceKind.code, EvidenceKind.config, EvidenceKind.static_signal})


def from_training_logs(f: Finding) -> bool:
    """A finding read from training logs (metric evidence, no code or configuration evidence): its
    locations are the run directories the user gave, not files of the repository."""
    kinds = {e.kind for e in f.evidence}
    return EvidenceKind.metric in kinds and not kinds & _CODE_EVIDENCE


def in_repository(loc: Location) -> bool:
    """A place a review tool can open in the checkout: a relative path that does not climb out of it."""
    path = PurePosixPath(loc.path.replace("\\", "/"))
    return bool(loc.path) and not path.is_absolute() and ".." not in path.parts


def code_locations(f: Finding) -> list[Location]:
    return [] if from_training_logs(f) else [loc for loc in f.locations if in_repository(loc)]


def _related(inv: Investigation, places: list[Location], cand: Location | None) -> list[dict[str, Any]]:
    """Every baseline place, then the candidate's other places (a change merged from several places)."""
    others = [("baseline", loc) for loc in places if loc.side == "baseline"]
    others += [("candidate", loc) for loc in places if loc.side == "candidate" and loc is not cand]
    return [
        {"id": i, "physicalLocation": _physical(loc, BASELINE_BASE if side == "baseline" else CANDIDATE_BASE),
         "message": {"text": f"{'At' if side == 'baseline' else 'Also at'} {_where(inv, side)}: {loc.render()}"}}
        for i, (side, loc) in enumerate(others, start=1)
    ]


def _locations(inv: Investigation, f: Finding) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(locations, relatedLocations): the candidate's place, else the baseline file without a line;
    the other places as related locations. Only places in the repository count."""
    places = code_locations(f)
    cand = next((loc for loc in places if loc.side == "candidate"), None)
    base = next((loc for loc in places if loc.side == "baseline"), None)
    related = _related(inv, places, cand)
    if cand is not None:
        return [{"physicalLocation": _physical(cand, CANDIDATE_BASE)}], related
    if base is not None:
        anchor = {"physicalLocation": _physical(base, CANDIDATE_BASE, with_region=False),
                  "message": {"text": f"No place at {_where(inv, 'candidate')}; at {_where(inv, 'baseline')}: {base.render()}"}}
        return [anchor], related
    return [], related


def message_text(inv: Investigation, f: Finding) -> str:
    """The title, what the evidence says (the first few summaries) and the baseline's place (review
    tools show a result's message, not always its related locations)."""
    text = f.title.rstrip(".") + "."
    summaries = [e.summary.strip() for e in f.evidence if e.summary.strip()]
    if summaries:
        shown = "; ".join(summaries[:_MAX_EVIDENCE])
        more = f" (+{len(summaries) - _MAX_EVIDENCE} more)" if len(summaries) > _MAX_EVIDENCE else ""
        text += f" Evidence: {shown}{more}."
    base = next((loc for loc in code_locations(f) if loc.side == "baseline"), None)
    if base is not None:
        text += f" At {_where(inv, 'baseline')}: {base.render()}."
    return text


_LINE_NUMBERS = re.compile(r":\d+(?:-\d+)?\b")
_PLACES = re.compile(r"\s*\(\d+ places\)")


def fingerprint(rid: str, f: Finding) -> str:
    """What identifies a finding across runs and commits: rule, file, id and title without line
    numbers or a merged-places count."""
    places = code_locations(f)
    loc = next((p for p in places if p.side == "candidate"), places[0] if places else None)
    parts = [rid, loc.path if loc else "", _LINE_NUMBERS.sub("", f.id), _PLACES.sub("", _LINE_NUMBERS.sub("", f.title))]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _properties(f: Finding) -> dict[str, Any]:
    props: dict[str, Any] = {
        "severity": f.severity.value, "subsystem": f.subsystem, "confidence": round(f.confidence, 3),
        "confidenceLabel": f.confidence_label, "findingId": f.id, "source": f.source,
        "evidenceKinds": sorted({e.kind.value for e in f.evidence}),
    }
    if f.rank is not None:
        props["rank"] = f.rank
    if f.fix:
        props["fix"] = f.fix
    if f.hypotheses:
        props["hypotheses"] = list(f.hypotheses)
    if f.introduced_by is not None:
        props["introducedBy"] = f.introduced_by.model_dump(mode="json", exclude_none=True)
    if f.verification is not None:
        props["verification"] = f.verification.model_dump(mode="json", exclude_none=True)
    others = [loc for loc in f.locations if loc not in code_locations(f)]
    if others:  # run logs (or a place outside the checkout): named, never given to a review tool as a file
        props["otherPlaces"] = [{"side": loc.side, "path": loc.render()} for loc in others]
    return props


def _result(inv: Investigation, f: Finding, rid: str, index: int) -> dict[str, Any]:
    locations, related = _locations(inv, f)
    result: dict[str, Any] = {
        "ruleId": rid, "ruleIndex": index, "level": LEVELS[f.severity], "message": {"text": message_text(inv, f)},
    }
    if locations:
        result["locations"] = locations
    if related:
        result["relatedLocations"] = related
    result["partialFingerprints"] = {FINGERPRINT_KEY: fingerprint(rid, f)}
    result["properties"] = _properties(f)
    return result


def _provenance(inv: Investigation) -> list[dict[str, Any]]:
    repo = inv.request.repo
    uri = repository_uri(repo) if repo else None
    if inv.range is None or uri is None:
        return []
    cand = inv.range.candidate
    entry: dict[str, Any] = {"repositoryUri": uri, "revisionId": cand.sha, "mappedTo": {"uriBaseId": CANDIDATE_BASE}}
    if cand.ref and cand.ref != cand.sha:
        entry["revisionTag"] = cand.ref
    return [entry]


def _base_ids(inv: Investigation) -> dict[str, Any]:
    if inv.range is None:
        return {}
    return {
        CANDIDATE_BASE: {"description": {"text": f"The repository at the candidate commit {inv.range.candidate.sha}."}},
        BASELINE_BASE: {"description": {"text": f"The repository at the baseline commit {inv.range.baseline.sha}."}},
    }


def _invocation(inv: Investigation) -> dict[str, Any]:
    """Whether the run finished, and what it recorded as failed (the report is complete without those parts)."""
    notes: list[dict[str, Any]] = [
        {"level": "warning", "message": {"text": fail.message + (f" ({fail.path})" if fail.path else "")},
         "descriptor": {"id": fail.source}}
        for fail in inv.failures
    ]
    if inv.incomplete is not None:
        notes.insert(0, {"level": "error", "message": {"text": f"Incomplete report: the investigation was {inv.incomplete.reason}."}})
    invocation: dict[str, Any] = {"executionSuccessful": inv.incomplete is None}
    if notes:
        invocation["toolExecutionNotifications"] = notes
    return invocation


def _run_properties(inv: Investigation) -> dict[str, Any]:
    props: dict[str, Any] = {"runId": inv.run_id}
    if inv.range is not None:
        props["baseline"] = inv.range.baseline.model_dump(mode="json")
        props["candidate"] = inv.range.candidate.model_dump(mode="json")
        props["commitsBetween"] = inv.range.commits_between
    return props


def sarif_dict(inv: Investigation) -> dict[str, Any]:
    """The SARIF log of one investigation: one run, one result per finding in rank order."""
    rule_ids: dict[str, int] = {}
    rules: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for f in inv.findings:
        rid = rule_id(f.source)
        if rid not in rule_ids:
            rule_ids[rid] = len(rules)
            rules.append(rule_descriptor(rid, f))
        results.append(_result(inv, f, rid, rule_ids[rid]))
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "investigator", "version": __version__, "semanticVersion": __version__, "rules": rules}},
        "invocations": [_invocation(inv)],
        "results": results,
        "properties": _run_properties(inv),
    }
    if provenance := _provenance(inv):
        run["versionControlProvenance"] = provenance
    if base_ids := _base_ids(inv):
        run["originalUriBaseIds"] = base_ids
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render_sarif(inv: Investigation) -> str:
    return to_json(sarif_dict(inv), indent=2).decode() + "\n"

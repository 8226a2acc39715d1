"""The entry now runs another experiment: its `__main__` block calls a different function of the script.

Real shape (ShangtongZhang/DeepRL `examples.py`): every experiment is a function building its own
config (`rainbow_pixel`, `ppo_pixel`, ...) and the `__main__` block calls one; a commit comments out
`rainbow_pixel(game=game)` and calls `ppo_pixel(game=game)`. Comparing the two functions' settings key
by key read as four critical "changed"/"removed" hyperparameters: nothing changed, another experiment is
selected, and a run at each commit trains something different (its metrics are not comparable). That is
one finding here, the differing keys its evidence. A renamed or rewritten entry function (neither
name defined at both commits) and a helper whose result the block uses (PufferLib `demo.py`:
`load_from_config(...)` -> `load_config(parser)`) are no switch: their keys are compared as usual.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from investigator.config.collect import SideData
from investigator.config.extractors.python import FunctionFacts, ModuleInfo
from investigator.config.findings import SOURCE
from investigator.config.program import module_names
from investigator.detectors.base import CALLED_FROM
from investigator.git.changeset import ChangeSet
from investigator.models import Evidence, EvidenceKind, Finding, Location, Severity

_MAX_REACH = 200  # functions walked to tell whether one experiment function calls the other
_SHOWN_KEYS = 6
SWITCH_ID = f"{SOURCE}:entry_switch:"


@dataclass(frozen=True)
class EntrySwitch:
    """The experiment function the entry script's `__main__` block calls at each commit."""

    base_script: str
    cand_script: str
    base_fn: FunctionFacts
    cand_fn: FunctionFacts
    base_call: tuple[int, int] | None  # (first, last) line of the call in the `__main__` block
    cand_call: tuple[int, int] | None
    kept: frozenset[str] = frozenset()  # which of the two names is defined at both commits

    @property
    def base_line(self) -> int | None:
        return self.base_call[0] if self.base_call else None

    @property
    def cand_line(self) -> int | None:
        return self.cand_call[0] if self.cand_call else None

    def spans(self, side: str) -> list[tuple[str, int, int]]:
        """Where the experiment's settings are set at `side`: its function and its call's arguments."""
        fn, script, call = (self.base_fn, self.base_script, self.base_call) if side == "baseline" else \
            (self.cand_fn, self.cand_script, self.cand_call)
        return [(fn.path, fn.line, fn.end_line or fn.line), *([(script, *call)] if call else [])]


def _sets_any(fn: FunctionFacts, sets: Iterable[tuple[str, int | None]]) -> bool:
    last = fn.end_line or fn.line
    return any(path == fn.path and line is not None and fn.line <= line <= last for path, line in sets)


def _reaches(side: SideData, module: ModuleInfo, start: FunctionFacts, target: str) -> bool:
    """Whether `start` calls the repository function `target` of `module`, directly or through others."""
    seen: set[tuple[str, str]] = set()
    queue = [(module, start)]
    while queue and len(seen) < _MAX_REACH:
        mod, fn = queue.pop()
        if (mod.path, fn.name) in seen:
            continue
        seen.add((mod.path, fn.name))
        for call in fn.calls:
            ref = side.program.resolve_call(mod, call.callee)
            if ref is None or ref.kind != "function":
                continue
            if ref.module == module.path and ref.name == target:
                return True
            callee, owner = side.program.function(ref), side.program.modules.get(ref.module)
            if callee is not None and owner is not None:
                queue.append((owner, callee))
    return False


def find_switch(base: SideData, cand: SideData, base_entry: tuple[str | None, str | None],
                cand_entry: tuple[str | None, str | None], renames: frozenset[tuple[str, str]],
                base_sets: Iterable[tuple[str, int | None]] = (), cand_sets: Iterable[tuple[str, int | None]] = ()
                ) -> EntrySwitch | None:
    """The switch, when the entry (same script, or one git pairs as renamed) follows a function its
    `__main__` block calls for effect (a statement, its result unused) at each commit, the two differ,
    each block calls only its own one of them, neither function calls the other (a `main()` now
    calling `train()` directly is one program), each sets some of its commit's effective settings
    (`base_sets`/`cand_sets`: (path, line) of each; a seeding or logging helper is no experiment), and
    one of the two is defined at both commits: the function pairing then pairs that name with itself,
    so the two are not one renamed function (DeepRL keeps `rainbow_pixel` beside the new `ppo_pixel`).
    When neither is (`main` deleted, `train` added), a rewritten entry cannot be told from a switch
    and its settings are compared key by key as before."""
    (b_script, b_name), (c_script, c_name) = base_entry, cand_entry
    if not (b_script and c_script and b_name and c_name) or b_name == c_name:
        return None
    if b_script != c_script and (b_script, c_script) not in renames:
        return None
    b_mod, c_mod = base.program.modules.get(b_script), cand.program.modules.get(c_script)
    if b_mod is None or c_mod is None or b_name not in b_mod.main_calls or c_name not in c_mod.main_calls:
        return None
    if c_name in b_mod.main_calls or b_name in c_mod.main_calls:
        return None  # both experiments run at one commit: not a switch of which one runs
    if b_name not in b_mod.main_statements or c_name not in c_mod.main_statements:
        return None  # a helper whose result the block goes on using (`args = load_config(parser)`) is no experiment
    b_fn, c_fn = b_mod.functions.get(b_name), c_mod.functions.get(c_name)
    if b_fn is None or c_fn is None:
        return None
    if (c_name in b_mod.functions and _reaches(base, b_mod, b_fn, c_name)) or \
            (b_name in c_mod.functions and _reaches(cand, c_mod, c_fn, b_name)):
        return None
    if not (_sets_any(b_fn, base_sets) and _sets_any(c_fn, cand_sets)):
        return None  # not two experiment functions: one of them builds none of the entry's settings
    if b_name not in c_mod.functions and c_name not in b_mod.functions:
        return None  # neither is defined at the other commit: a rewritten entry is not told from a switch
    kept = frozenset(n for n in (b_name, c_name) if n in b_mod.functions and n in c_mod.functions)
    return EntrySwitch(b_script, c_script, b_fn, c_fn, b_mod.main_lines.get(b_name), c_mod.main_lines.get(c_name), kept)


def _inside(loc: Location, switch: EntrySwitch) -> bool:
    return loc.line is not None and any(loc.path == path and first <= loc.line <= last
                                        for path, first, last in switch.spans(loc.side))


def caused_by(finding: Finding, switch: EntrySwitch) -> bool:
    """A configuration finding whose value is set (at either commit) inside one of the two functions."""
    locations = [*finding.locations, *(loc for e in finding.evidence for loc in e.locations)]
    return any(_inside(loc, switch) for loc in locations)


def _hunk(changeset: ChangeSet | None, switch: EntrySwitch) -> str | None:
    """The diff hunk of the entry script holding the candidate's call (else the baseline's)."""
    changed = changeset.by_path(switch.cand_script) if changeset is not None else None
    if changed is None:
        return None
    for hunk in changed.hunks:
        if switch.cand_line is not None and switch.cand_line in hunk.added_lines:
            return f"--- {switch.base_script}\n+++ {switch.cand_script}\n{hunk.text()}"
    for hunk in changed.hunks:
        if switch.base_line is not None and switch.base_line in hunk.removed_lines:
            return f"--- {switch.base_script}\n+++ {switch.cand_script}\n{hunk.text()}"
    return None


def switch_finding(switch: EntrySwitch, folded: list[Finding], changeset: ChangeSet | None) -> Finding:
    """One finding for the switch: significant (a run at each commit trains another experiment, so its
    metrics compare two experiments; not a per-hyperparameter regression), the folded per-key findings
    as evidence (`details["keys"]`)."""
    old, new = switch.base_fn.name, switch.cand_fn.name
    locations = [Location(path=switch.base_script, line=switch.base_line, side="baseline"),
                 Location(path=switch.cand_script, line=switch.cand_line, side="candidate")]
    folded = sorted(folded, key=lambda f: -f.severity.weight)
    keys: list[dict[str, Any]] = []
    for f in folded:
        details = f.evidence[0].details if f.evidence else {}
        keys.append({"key": details.get("key"), "baseline": details.get("baseline"),
                     "candidate": details.get("candidate"), "status": details.get("status"),
                     "severity_if_one_experiment": f.severity.value, "title": f.title})
    shown = "; ".join(f.title.removeprefix("Config ") for f in folded[:_SHOWN_KEYS])
    more = f"; … +{len(folded) - _SHOWN_KEYS}" if len(folded) > _SHOWN_KEYS else ""
    hunk = _hunk(changeset, switch)
    kept = f"`{old}`" if switch.base_fn.name in switch.kept else f"`{new}`"
    dotted = next(iter(module_names(switch.cand_script)), switch.cand_script)
    evidence = [Evidence(kind=EvidenceKind.code, locations=locations, hunk=hunk,
                         summary=f"the `__main__` block of `{switch.cand_script}` calls `{new}(...)` "
                                 f"({switch.cand_script}:{switch.cand_line}) where it called `{old}(...)` "
                                 f"({switch.base_script}:{switch.base_line})",
                         details={"baseline_function": old, "candidate_function": new})]
    if folded:
        evidence.append(Evidence(kind=EvidenceKind.config, locations=[], details={"keys": keys},
                                 summary=f"{len(folded)} settings differ between the two experiments (not "
                                         f"changes of one run): {shown}{more}"))
    return Finding(
        id=f"{SWITCH_ID}{switch.cand_script}:{old}:{new}", source=SOURCE, subsystem="config",
        severity=Severity.significant, confidence=0.8,
        title=f"The entry now runs `{new}` instead of `{old}` ({switch.cand_script})",
        impact="A run at each commit trains a different experiment: its metrics compare two experiments, not a "
               "regression of one; the settings of the two are not changes of one run.",
        rationale=f"The `__main__` block of the training entry calls another experiment function, `{new}` "
                  f"(defined at {switch.cand_script}:{switch.cand_fn.line}) instead of `{old}` (defined at "
                  f"{switch.base_script}:{switch.base_fn.line}); {kept} is defined at both commits, so the two are not one "
                  f"renamed function. Their {len(folded)} differing settings are folded here.",
        locations=locations, evidence=evidence,
        fix=f"To compare one experiment, run `{old}` at the candidate (restore its `__main__` call, or give "
            f"`--candidate-entry {dotted}.{old}`); if `{new}` is meant, compare runs of `{new}` at both commits "
            f"(`--baseline-entry {dotted}.{new}` where the baseline defines it).",
    )


def _through(f: Finding, host: Finding) -> bool:
    """Whether a code finding sees its candidate side only through the switched call: every chain of
    calls that reaches its candidate lines (`detectors.base.CALLED_FROM`) starts at the candidate's
    `__main__` call of the new function (DeepRL: `env_count` inlined `ppo_pixel(game=game)` into the
    module body and compared its `num_workers = 8` with `rainbow_pixel`'s code)."""
    call = host.location_at("candidate")
    if call is None or call.line is None:
        return False
    chains: list[str] = []
    for e in f.evidence:
        found = (e.details or {}).get(CALLED_FROM)
        if isinstance(found, list):
            chains.extend(str(c) for c in found)
    return bool(chains) and all(c.split(" > ")[0] == f"{call.path}:{call.line}" for c in chains)


def absorb_switched_calls(findings: list[Finding]) -> list[Finding]:
    """Findings of other analyzers about the switched call itself (a line of the switch finding's
    own locations: "`rainbow_pixel` is no longer called" at the `__main__` call) are that switch:
    they become its evidence, not a second item."""
    hosts = {i: f for i, f in enumerate(findings) if f.id.startswith(SWITCH_ID)}
    if not hosts:
        return findings
    out: dict[int, Finding] = {i: h.model_copy(deep=True) for i, h in hosts.items()}
    for i, f in enumerate(findings):
        places = {(loc.side, loc.path, loc.line) for loc in f.locations if loc.line is not None}
        host = next((j for j, h in hosts.items() if i not in hosts and f.source != SOURCE
                     and (places & {(loc.side, loc.path, loc.line) for loc in h.locations} or _through(f, h))), None)
        if host is None:
            out.setdefault(i, f)
            continue
        kept = out[host]
        kept.evidence = [*kept.evidence, *f.evidence]
        kept.rationale += f" Also reported by `{f.source}`: {f.title}."
        out[host] = kept
    return [out[i] for i in sorted(out)]


__all__ = ["SWITCH_ID", "EntrySwitch", "absorb_switched_calls", "caused_by", "find_switch", "switch_finding"]

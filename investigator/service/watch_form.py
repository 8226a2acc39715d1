"""The "new watch" form of `/ui/watches`, built from the API's own schema (`watches.WatchCreate`).

Why from the schema: the form and `POST /v1/watches` must accept and refuse the same things, and a field
added to the schema (a cron expression, a webhook secret...) must appear in the form without a template
edit. `LAYOUT` only orders the fields and groups them; a schema field it does not name is shown under
"Other options", with a widget chosen from its type (text, number, select for a Literal, checkbox for a
bool) and its description as the hint. A name in `LAYOUT` that the schema lacks is skipped.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from typing import Any, Literal

import annotated_types
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

Kind = Literal["text", "textarea", "number", "select", "checkbox", "password"]

# group title, then its fields in order. cron/timezone/notify_secret: fields the schedule work of issue 18
# adds to WatchCreate; listed here so that they land in their group once the schema has them.
LAYOUT: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("What to follow", ("repo", "branch", "name")),
    ("Baseline", ("baseline",)),
    ("Schedule", ("interval_s", "cron", "timezone")),
    ("Training-run probe (optional)", ("probe_command", "primary_metric", "seeds")),
    ("Notifications (optional)", ("notify_url", "notify_format", "notify_secret")),
)
OTHER = "Other options"
LABELS = {"repo": "Repository (path on the server or git URL)", "branch": "Branch", "name": "Name",
          "baseline": "Fixed baseline ref", "interval_s": "Interval (seconds)", "probe_command": "Probe command",
          "primary_metric": "Metric", "seeds": "Seeds per commit", "notify_url": "Webhook URL",
          "notify_format": "Payload format", "cron": "Cron expression", "timezone": "Time zone",
          "notify_secret": "Webhook secret"}
HINTS = {"repo": "a path on the server or a git URL the server can fetch",
         "name": "default <repository name>:<branch>; unique",
         "baseline": "compared with every new commit; any ref git understands",
         "probe_command": "training command run once per seed: {seed} and {logdir} required; "
                          "{steps} {device} {python} optional. Without one, a tick runs the static investigation only",
         "primary_metric": "the logged tag the verdict is about (default: the episodic return)",
         "seeds": "runs per measured commit (1 to 64)",
         "notify_url": "called once per alert event (opened, updated, resolved), HMAC-signed",
         "notify_format": "default: slack for hooks.slack.com, else json"}
EXTRA_HINTS = {"interval_s": "at least 60: 3600 = hourly, 86400 = daily"}  # after the schema's own description
PLACEHOLDERS = {"repo": "/srv/repos/trainer.git", "branch": "main", "name": "trainer:main", "baseline": "v1.2.0",
                "probe_command": "python train.py --seed {seed} --logdir {logdir}",
                "primary_metric": "charts/episodic_return", "notify_url": "https://hooks.example/rl"}
TEXTAREAS = {"probe_command"}
POLICIES = ("last_good", "fixed")  # the baseline radio: `baseline` is sent only with "fixed"


@dataclass(frozen=True)
class FormField:
    """One input of the form, as the template draws it."""

    name: str
    label: str
    hint: str
    kind: Kind
    required: bool
    default: str  # the schema's default ("" when none): a placeholder, or a checkbox's initial state
    placeholder: str = ""
    choices: tuple[str, ...] = ()
    low: str | None = None  # number bounds
    high: str | None = None
    maxlength: int | None = None


def _is_secret(name: str) -> bool:
    return "secret" in name or "password" in name or "token" in name


def _base_type(annotation: Any) -> Any:
    """`X | None` → X."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else str
    return annotation


def _field(name: str, info: FieldInfo) -> FormField:
    base = _base_type(info.annotation)
    kind: Kind = "text"
    choices: tuple[str, ...] = ()
    if typing.get_origin(base) is Literal:
        kind, choices = "select", tuple(str(c) for c in typing.get_args(base))
    elif base is bool:
        kind = "checkbox"
    elif base in (int, float):
        kind = "number"
    elif _is_secret(name):
        kind = "password"
    elif name in TEXTAREAS:
        kind = "textarea"
    low = high = None
    maxlength = None
    for m in info.metadata:
        if isinstance(m, annotated_types.Ge | annotated_types.Gt):
            low = str(m.ge if isinstance(m, annotated_types.Ge) else m.gt)
        elif isinstance(m, annotated_types.Le | annotated_types.Lt):
            high = str(m.le if isinstance(m, annotated_types.Le) else m.lt)
        elif isinstance(m, annotated_types.MaxLen):
            maxlength = m.max_length
    default = "" if info.default is None or info.is_required() or kind == "password" else str(info.default)
    return FormField(name=name, label=LABELS.get(name) or info.title or name.replace("_", " ").capitalize(),
                     hint="; ".join(filter(None, (HINTS.get(name) or info.description, EXTRA_HINTS.get(name)))), kind=kind, required=info.is_required(),
                     default=default, placeholder=PLACEHOLDERS.get(name) or (f"{default} (default)" if default else ""),
                     choices=choices, low=low, high=high,
                     maxlength=maxlength)


def form_groups(schema: type[BaseModel]) -> list[tuple[str, list[FormField]]]:
    """The schema's fields in `LAYOUT`'s groups, the ones it does not name last."""
    fields = schema.model_fields
    placed = {name for _, names in LAYOUT for name in names}
    groups = [(title, [_field(n, fields[n]) for n in names if n in fields]) for title, names in LAYOUT]
    other = [_field(n, info) for n, info in fields.items() if n not in placed]
    if other:
        groups.append((OTHER, other))
    return [(title, group) for title, group in groups if group]


def shown_values(form: dict[str, str], schema: type[BaseModel]) -> dict[str, str]:
    """What the form shows again after a refusal: what was typed, secrets excepted."""
    return {k: v for k, v in form.items() if not _is_secret(k) and (k in schema.model_fields or k == "baseline_policy")}


def default_values(schema: type[BaseModel]) -> dict[str, str]:
    """An empty form: inputs stay empty (their defaults are placeholders), so that only what the user typed is
    sent and the schema fills in the rest, as for an API call (a default that is sent would look chosen to a
    rule such as "an interval or a cron expression, not both"); checkboxes start as their defaults."""
    values = {f.name: "on" for _, group in form_groups(schema) for f in group if f.kind == "checkbox" and f.default == "True"}
    return values | {"baseline_policy": "last_good"}


def form_body(form: dict[str, str], schema: type[BaseModel]) -> tuple[dict[str, Any], dict[str, str]]:
    """The request body the form stands for (empty fields left out: the schema's defaults apply), and the
    errors the schema cannot see (the baseline radio)."""
    body: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for _, group in form_groups(schema):
        for f in group:
            if f.kind == "checkbox":
                body[f.name] = form.get(f.name) == "on"
                continue
            value = (form.get(f.name) or "").strip()
            if value:
                body[f.name] = value
    if "baseline" in schema.model_fields:
        policy = form.get("baseline_policy", "last_good")
        if policy not in POLICIES:
            errors["baseline"] = "choose the last good commit or a fixed ref"
        elif policy == "last_good":
            body.pop("baseline", None)
        elif "baseline" not in body:
            errors["baseline"] = "give the ref of the fixed baseline (or choose the last good commit)"
    return body, errors


def field_errors(exc: ValidationError, schema: type[BaseModel]) -> dict[str, str]:
    """The schema's complaints per field (the first one each); a model-wide one at the field its message
    starts with ("timezone: applies to a cron schedule…"), else under "form"."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        message = str(error["msg"]).removeprefix("Value error, ")
        field = str(error["loc"][0]) if error["loc"] else refused_field(message, schema)
        errors.setdefault(field, message)
    return errors


def refused_field(message: str, schema: type[BaseModel]) -> str:
    """The field a refusal names first ("repo /x: outside the allowed…" → repo), else "form"."""
    first = message.split(" ", 1)[0].rstrip(":,")
    return first if first in schema.model_fields else "form"

"""Launch scripts: `python train.py --lr 3e-3` lines in shell scripts and Makefiles.

Each command that runs a Python script (`python train.py ...`, `torchrun ... train.py ...`,
`python -m pkg.train ...`) is a `LaunchCommand`: its target and its arguments. `--flag value`,
`--flag=value` and a bare `--flag` (true) are option values; `key=value` (`algo.lr=3e-3`,
`+trainer.x=1`) are Hydra overrides. Every argument is also an entry (kind `cli_arg`), so a launch
script that the effective configuration does not use is still compared as "other" configuration.
`effective.launch_layer` applies the one command that runs the entry.

A config file the script writes with a here-document (`cat <<EOF > cfg.yaml ... EOF`) and then hands
to a command (`python train.py cfg.yaml`, `--config cfg.yaml`) is that command's configuration: its
keys are the command's `files` entries, at the script's own lines (`heredocs`).
"""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass, field, replace

from investigator.config.extractors.base import ExtractError, Extractor, ParsedFile, register_extractor
from investigator.config.extractors.structured import extract_json, extract_yaml
from investigator.config.keys import normalise_key
from investigator.config.model import ConfigEntry, EntryKind

_PYTHON = re.compile(r"^(?:.*/)?(?:python[\d.]*|pypy[\d.]*)$")
_OVERRIDE = re.compile(r"^[+~]{0,2}[A-Za-z_][\w.@/-]*=")
_OPERATORS = frozenset({";", "&&", "||", "|", "&", ">", ">>", "<", "2>", "2>&1", ")", "(", ";;"})
_INT = re.compile(r"^[-+]?\d[\d_]*$")
_FLOAT = re.compile(r"^[-+]?(?:\d[\d_]*)?\.?\d*(?:[eE][-+]?\d+)?$")
_HYDRA_SHORT = {"-cn": "config-name", "-cp": "config-path", "-cd": "config-dir"}
_BOOLS = {"true": True, "false": False, "True": True, "False": False}


@dataclass
class LaunchArg:
    raw: str  # as written, without dashes: `learning-rate`, `algo.lr`, `+trainer.x`
    key: str  # normalised: `learning_rate`, `algo.lr`
    text: str  # the value as written
    value: object
    literal: bool
    line: int
    override: bool  # `key=value` (Hydra) rather than `--flag value`


@dataclass
class LaunchCommand:
    path: str  # the launch script
    line: int
    script: str | None  # `train.py` as written (relative to the launch script or the repository)
    module: str | None  # `-m pkg.train`
    args: list[LaunchArg] = field(default_factory=list)
    # settings of a config file the script writes with a here-document and hands to this command
    files: list[ConfigEntry] = field(default_factory=list)


@dataclass
class Heredoc:
    """A here-document the script writes to a structured config file (`cat <<EOF > cfg.yaml`)."""

    target: str  # the file it writes, as written (`dpo_config.yaml`, `$out/cfg.yaml`)
    line: int  # the line of the `<<` operator
    entries: list[ConfigEntry]  # its keys, at the script's lines
    body: range  # the script's lines of its body and terminator (no commands there)


# `<<EOF`, `<<-EOF`, `<< 'EOF'`, `<<"EOF"` (not the here-string `<<<`)
_HEREDOC = re.compile(r"(?<!<)<<(-?)\s*(['\"]?)([A-Za-z_][\w.-]*)\2")
_REDIRECT = re.compile(r"(?:^|[^\d&<>])>>?\s*(['\"]?)([^\s'\";&|<>]+)\1")
_TEE = re.compile(r"\btee\s+(?:-a\s+)?(['\"]?)([^\s'\";&|<>]+)\1")
_STRUCTURED = {".yaml": extract_yaml, ".yml": extract_yaml, ".json": extract_json}


def _same_file(a: str, b: str) -> bool:
    return posixpath.normpath(a) == posixpath.normpath(b)


def heredocs(path: str, text: str) -> list[Heredoc]:
    """The here-documents of a script that write a YAML or JSON file, with their keys. An unquoted
    delimiter expands `$var` in the body, so a value naming a variable is not a literal (as on a command
    line); a quoted one (`<<'EOF'`) keeps the text as written. A body that does not parse is skipped."""
    lines = text.splitlines()
    out: list[Heredoc] = []
    number = 0
    while number < len(lines):
        line = lines[number]
        number += 1
        found = _HEREDOC.search(line)
        if found is None or line.lstrip().startswith("#"):
            continue
        strip_tabs, quoted, delimiter = found.group(1), found.group(2), found.group(3)
        start = number  # index of the body's first line
        while number < len(lines) and (lines[number].lstrip("\t") if strip_tabs else lines[number]).strip() != delimiter:
            number += 1
        if number >= len(lines):  # no terminator: not a here-document (`$((a<<b))`), or a broken one
            number = start
            continue
        body = lines[start:number]
        number += 1
        target = _REDIRECT.search(line[:found.start()] + " " + line[found.end():]) or _TEE.search(line)
        extract = _STRUCTURED.get(posixpath.splitext(target.group(2))[1].lower()) if target else None
        if target is None or extract is None:
            continue
        try:  # blank lines in front keep every key at its line of the script
            parsed = extract(path, "\n" * start + "\n".join(line.lstrip("\t") if strip_tabs else line for line in body))
        except (ExtractError, RecursionError):
            continue
        entries = [replace(e, literal=e.literal and (bool(quoted) or not _expands(e.value)), kind=EntryKind.cli_arg)
                   for e in parsed.entries]
        out.append(Heredoc(target=target.group(2), line=start, entries=entries, body=range(start + 1, number + 1)))
    return out


def _expands(value: object) -> bool:
    return isinstance(value, str) and ("$" in value or "`" in value)


def _value(text: str) -> tuple[object, bool]:
    if "$" in text or "`" in text:
        return text, False  # a shell variable: known only when the script runs
    if text in _BOOLS:
        return _BOOLS[text], True
    if text.lower() in ("null", "none"):
        return None, True
    if _INT.match(text):
        return int(text.replace("_", "")), True
    if any(c.isdigit() for c in text) and _FLOAT.match(text):
        try:
            return float(text.replace("_", "")), True
        except ValueError:
            pass
    return text, True


def _logical_lines(text: str) -> list[tuple[int, str, list[str]]]:
    """(first line number, joined text, physical lines) with `\\` continuations joined."""
    out: list[tuple[int, str, list[str]]] = []
    pending: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), 1):
        if not pending:
            start = number
        stripped = line.rstrip()
        if stripped.endswith("\\"):
            pending.append(stripped[:-1])
            continue
        pending.append(stripped)
        out.append((start, " ".join(pending), list(pending)))
        pending = []
    if pending:
        out.append((start, " ".join(pending), pending))
    return out


def _tokens(text: str) -> list[str] | None:
    lexer = shlex.shlex(text.strip().lstrip("@-"), posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        return list(lexer)
    except ValueError:  # unbalanced quotes
        return None


def _program(tokens: list[str]) -> tuple[str | None, str | None, list[str]]:
    """(script, module, the arguments after it) of the first Python program a command line runs."""
    script: str | None = None
    module: str | None = None
    rest: list[str] = []
    for i, tok in enumerate(tokens):
        if tok in _OPERATORS:
            if script or module:
                break
            continue
        if script is None and module is None:
            if tok == "-m" and i > 0 and _PYTHON.match(tokens[i - 1]) and i + 1 < len(tokens):
                module = tokens[i + 1]
            elif tok.endswith(".py") and not tok.startswith("-"):
                script = tok
            continue
        if module is not None and tok == module and not rest:
            continue
        rest.append(tok)
    return script, module, rest


def _command(path: str, start: int, tokens: list[str], physical: list[str],
             written: tuple[Heredoc, ...] = ()) -> LaunchCommand | None:
    script, module, rest = _program(tokens)
    if script is None and module is None:
        return None
    command = LaunchCommand(path=path, line=start, script=script, module=module)
    # the last config file written before this command that it is handed (positionally or as an option value)
    handed = [doc for doc in written if doc.line < start and any(_same_file(doc.target, tok.partition("=")[2] or tok)
                                                                 for tok in rest)]
    if handed:
        command.files = [replace(e, owner=script or module) for e in handed[-1].entries]

    def line_of(raw: str) -> int:
        for offset, text in enumerate(physical):
            if raw in text:
                return start + offset
        return start

    i = 0
    while i < len(rest):
        tok = rest[i]
        i += 1
        if tok.startswith("--") and len(tok) > 2:
            name, sep, text = tok[2:].partition("=")
            if not sep:
                if i < len(rest) and not (rest[i].startswith("-") and not _FLOAT.match(rest[i])) \
                        and rest[i] not in _OPERATORS and not _OVERRIDE.match(rest[i]):
                    text = rest[i]
                    i += 1
                else:
                    text = "true"
            override = False
        elif _OVERRIDE.match(tok):
            name, _, text = tok.partition("=")
            override = True
        elif tok in _HYDRA_SHORT and i < len(rest):  # `-cn ppo`: Hydra's short flags (config/hydra_flags.py)
            name, text = _HYDRA_SHORT[tok], rest[i]
            i += 1
            override = False
        else:
            continue
        value, literal = _value(text)
        command.args.append(LaunchArg(raw=name, key=normalise_key(name.lstrip("+~").replace("-", "_")), text=text,
                                      value=value, literal=literal, line=line_of(name), override=override))
    return command


def extract_launch(path: str, text: str) -> ParsedFile:
    parsed = ParsedFile(path=path, format="shell")
    commands: list[LaunchCommand] = []
    written = tuple(heredocs(path, text)) if "<<" in text else ()
    bodies = {n for doc in written for n in doc.body}
    for start, logical, physical in _logical_lines(text):
        if ".py" not in logical and "-m" not in logical or start in bodies:
            continue
        tokens = _tokens(logical)  # comments are dropped by the lexer
        if not tokens:
            continue
        command = _command(path, start, tokens, physical, written)
        if command is not None and (command.args or command.files):
            commands.append(command)
    parsed.data = commands
    for command in commands:
        owner = command.script or command.module
        parsed.entries.extend(command.files)
        for arg in command.args:
            parsed.entries.append(ConfigEntry(key=arg.key, raw_key=arg.raw, value=arg.value, literal=arg.literal,
                                              path=path, line=arg.line, format="shell", kind=EntryKind.cli_arg,
                                              owner=owner))
    return parsed


register_extractor(Extractor("launch", (".sh", ".bash", ".mk", "makefile", "gnumakefile"), extract_launch,
                             max_bytes=256_000, title="Launch scripts: command-line options of training commands"))

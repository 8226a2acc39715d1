"""Library argument classes a run's parser builds, and the defaults they give a key nobody sets.

Hugging Face trainers are configured by an arguments dataclass of the library: `transformers.TrainingArguments`
or one of trl's subclasses (`DPOConfig`, `SFTConfig`, `GRPOConfig`, ...), built by `HfArgumentParser` from the
command line or a YAML file (`HfArgumentParser((ScriptArguments, DPOConfig))`), or constructed directly. A
setting that the repository declared at one commit (`warmup_steps: int = 100` in its own dataclass, passed on
to `TrainingArguments(warmup_steps=...)`) and that the other commit leaves to the library class takes the
library's default there: the change is 100 -> 0, not a key "removed" whose value nobody knows.

Real case: Online-RLHF 523e31dd..c5f1d276 moved every training setting into trl's `DPOConfig` read from a
generated YAML file; `warmup_steps` (100) and `weight_decay` (0.01) were left out of it, so the run now has
no warmup and no weight decay (the library defaults 0 and 0.0).

Only defaults that `TrainingArguments` has had unchanged across transformers releases and that none of trl's
subclasses overrides are listed (trl overrides `learning_rate`, `logging_steps`, `bf16`,
`gradient_checkpointing` and the sequence lengths in some releases, so those stay unknown).
"""

from __future__ import annotations

from investigator.config.keys import class_segment

# Stable `TrainingArguments` defaults that trl's subclasses keep.
TRAINING_ARGUMENTS_DEFAULTS: dict[str, object] = {
    "warmup_steps": 0,
    "warmup_ratio": 0.0,
    "weight_decay": 0.0,
    "max_grad_norm": 1.0,
    "adam_beta1": 0.9,
    "adam_beta2": 0.999,
    "adam_epsilon": 1e-8,
    "gradient_accumulation_steps": 1,
    "max_steps": -1,
    "seed": 42,
}

# Classes with those defaults, by the library (root module) that defines them. trl's `PPOConfig` is left out:
# before trl 0.12 it was not a `TrainingArguments` (its own `learning_rate`, no `warmup_steps`).
TRAINING_ARGUMENT_CLASSES: dict[str, frozenset[str]] = {
    "transformers": frozenset({"TrainingArguments", "Seq2SeqTrainingArguments"}),
    "trl": frozenset({"DPOConfig", "SFTConfig", "RewardConfig", "ORPOConfig", "KTOConfig", "CPOConfig",
                      "GRPOConfig", "OnlineDPOConfig", "BCOConfig"}),
}


def training_arguments_class(dotted: str) -> str | None:
    """The class name when `dotted` (an import target: `trl.DPOConfig`, `transformers.training_args.
    TrainingArguments`) is a library `TrainingArguments` class, else None."""
    root, _, rest = dotted.partition(".")
    name = dotted.rsplit(".", 1)[-1]
    return name if rest and name in TRAINING_ARGUMENT_CLASSES.get(root, ()) else None


def library_argument_default(key: str, classes: set[str]) -> tuple[object, str] | None:
    """(value, where) of the default `key` takes when a run builds one of `classes` (library
    `TrainingArguments` classes) and nothing sets it. Only a top-level key (what the parser fills from the
    command line or its YAML file) or one under such a class's own segment (`training_arguments.seed`): an
    `env.seed` is not the trainer's."""
    section, _, leaf = key.rpartition(".")
    if not classes or leaf not in TRAINING_ARGUMENTS_DEFAULTS \
            or section and section not in {class_segment(c) for c in classes} | {class_segment("TrainingArguments")}:
        return None
    shown = ", ".join(f"`{c}`" for c in sorted(classes))
    return TRAINING_ARGUMENTS_DEFAULTS[leaf], f"the library default of {shown} (`{leaf}`), which the entry builds"

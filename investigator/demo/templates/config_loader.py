"""Compose the training configuration from configs/ (Hydra-style defaults list, one file per group)."""

import os

import yaml


def load_config(path):
    root = os.path.dirname(path)
    with open(path) as fh:
        primary = yaml.safe_load(fh)
    cfg = {}
    for entry in primary.pop("defaults", []):
        if entry == "_self_":
            continue
        (group, name), = entry.items()
        with open(os.path.join(root, group, f"{name}.yaml")) as fh:
            cfg[group] = yaml.safe_load(fh)
    cfg.update(primary)
    return cfg

"""An inherited dataclass field is read and shown where it is written: in its base class's file.

Real shape (marl-jax d9302bfc..72a0f9d1, precision held-out 18, used): `MAConfig.sequence_length` 20 -> 40 in
marl/agents/config.py, inherited by `IMPALAConfig(MAConfig)` (marl/agents/impala/config.py) and
`OPREConfig(MAConfig)` (marl/agents/opre/config.py): the change was filed twice, "Config `impala.sequence_length`"
at impala/config.py and "Config `opre.sequence_length`" at opre/config.py, files that did not change. A field a
subclass overrides stays at the subclass.
"""

from __future__ import annotations

from .helpers import effective_of

FILES = {
    "marl/__init__.py": "",
    "marl/agents/__init__.py": "",
    "marl/agents/config.py": """\
        import dataclasses


        @dataclasses.dataclass
        class MAConfig:
          seed: int = 0
          sequence_length: int = {seq}
          discount: float = 0.99
    """,
    "marl/agents/impala/__init__.py": "",
    "marl/agents/impala/config.py": """\
        import dataclasses

        from marl.agents.config import MAConfig


        @dataclasses.dataclass
        class IMPALAConfig(MAConfig):
          entropy_cost: float = 0.003
          discount: float = 0.95
    """,
    "train.py": """\
        from marl.agents.impala.config import IMPALAConfig


        def main():
          config = IMPALAConfig()
          return config


        if __name__ == "__main__":
          main()
    """,
}


def _entries(seq: int):
    files = {k: v.replace("{seq}", str(seq)) for k, v in FILES.items()}
    config, _ = effective_of(files, "train.py")
    return config.effective


def test_an_inherited_field_is_placed_in_the_base_class_file() -> None:
    entries = _entries(40)
    found = [e for k, e in entries.items() if k.endswith("sequence_length")]
    assert found and found[0].value == 40, sorted(entries)
    assert found[0].path == "marl/agents/config.py", found[0]


def test_a_field_the_subclass_overrides_stays_at_the_subclass() -> None:
    entries = _entries(20)
    own = [e for k, e in entries.items() if k.endswith("discount")]
    assert own and own[0].value == 0.95 and own[0].path == "marl/agents/impala/config.py", own
    ent = [e for k, e in entries.items() if k.endswith("entropy_cost")]
    assert ent and ent[0].path == "marl/agents/impala/config.py", ent

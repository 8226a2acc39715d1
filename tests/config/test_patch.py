from investigator.config.model import ConfigEntry, EntryKind
from investigator.config.patch import render, restore_patch


def e(value, fmt="python", line=2, path="cfg.py", literal=True):
    return ConfigEntry(key="k", value=value, path=path, line=line, format=fmt, kind=EntryKind.field_default,
                       literal=literal)


def test_python_line_value_replaced():
    text = "class C:\n    max_grad_norm: float | None = 0.5  # clip\n"
    patch = restore_patch(text, e(0.5), e(None, "yaml"))
    assert patch.splitlines()[-2:] == ["-    max_grad_norm: float | None = 0.5  # clip",
                                       "+    max_grad_norm: float | None = None  # clip"]
    assert patch.startswith("--- a/cfg.py\n+++ b/cfg.py\n@@ -2,1 +2,1 @@")


def test_yaml_and_field_call_and_underscored_numbers():
    assert "+  lr: 0.0003" in restore_patch("t:\n  lr: 1.0e-3\n", e(1e-3, "yaml", path="a.yaml"), e(3e-4))
    assert "+    ent: float = Field(default=0.01)" in restore_patch(
        "x\n    ent: float = Field(default=0.02)\n", e(0.02), e(0.01))
    assert "= 2_000" not in restore_patch("x\nSTEPS = 1_000_000\n", e(1000000), e(2000))


def test_no_patch_when_ambiguous_or_not_literal():
    assert restore_patch("x\n    a = max(1, 1)\n", e(1), e(2)) is None  # two candidates on the line
    assert restore_patch("x\n    n = 2 * k\n", e("2 * k", literal=False), e(4)) is None
    assert restore_patch("x\n    n = 3\n", e(5), e(4)) is None  # value not on the line
    assert restore_patch(None, e(1), e(2)) is None
    assert restore_patch("x\ny = 1\n", e(1, "toml", path="a.toml"), e(None)) is None  # toml has no null


def test_render_formats():
    assert render(None, "yaml") == "null" and render(True, "yaml") == "true"
    assert render(None, "python") == "None" and render("a", "json") == '"a"'

"""Heavy libraries a static run never uses stay out of its start-up: the workflow and every analyzer
import without pandas (imported on the first log read, investigator.lazymodule)."""

from __future__ import annotations

import subprocess
import sys

from investigator.lazymodule import LazyModule


def test_the_static_path_imports_no_pandas() -> None:
    code = ("import sys; import investigator.cli, investigator.workflow.graph; "
            "from investigator.analyzers.base import all_analyzers; all_analyzers(); "
            "print('pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_lazy_module_imports_on_first_use() -> None:
    code = ("import sys; from investigator.lazymodule import LazyModule; m = LazyModule('colorsys'); "
            "before = 'colorsys' in sys.modules; print(before, m.rgb_to_hsv(1.0, 0.0, 0.0), 'colorsys' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "(0.0,", "1.0,", "1.0)", "True"]
    assert LazyModule("math").sqrt(4.0) == 2.0

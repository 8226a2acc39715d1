"""`SideIndex`'s textual searches are cached per name: a repeated search, with other skip ranges or
first-only, answers as a fresh search of the texts would."""

from __future__ import annotations

import re

from investigator.detectors.pairs import PY_SUFFIXES, SideIndex
from investigator.detectors.sources import MemoryTree

FILES = {
    "pkg/agent.py": (
        "class Agent:\n"
        "    def act(self, obs):  # act on obs\n"
        "        return self.policy.act(obs)\n"
        "\n"
        "def run(agent):\n"
        "    a = agent.act(1)  # act\n"
        "    # agent.act(2) commented out\n"
        "    b = agent.act(3); c = action(4)\n"
        "    return a, b, c\n"
    ),
    "pkg/other.py": "from pkg.agent import Agent\n\nx = Agent().act(0)\ny = react(0)\n",
    "conf/run.yaml": "act: 1\n# act: 2\n",
    "README.md": "act\n",
}


def _fresh(texts: dict[str, str], name: str, skip: list[tuple[str, int, int]], first_only: bool) -> list[tuple[str, int]]:
    """The search as the uncached code did it: every line of every text holding `name` as a word
    outside a Python comment and not defining it, less the skip ranges (first per file when asked)."""
    out = []
    for path, text in texts.items():
        for number, line in enumerate(text.splitlines(), 1):
            code = line.split("#", 1)[0] if path.endswith(PY_SUFFIXES) else line
            if not re.search(rf"\b{name}\b", code) or re.match(rf"^\s*(?:async\s+)?(?:def|class)\s+{name}\b", line):
                continue
            if any(p == path and lo <= number <= hi for p, lo, hi in skip):
                continue
            out.append((path, number))
            if first_only:
                break
    return out


def test_cached_mentions_answer_every_skip_and_mode_as_a_fresh_search() -> None:
    side = SideIndex("candidate", MemoryTree(FILES))
    texts = side.texts()
    assert "README.md" not in texts  # only reference-bearing files are searched
    skips = [[], [("pkg/agent.py", 6, 6)], [("pkg/agent.py", 1, 9)], [("pkg/other.py", 1, 3), ("pkg/agent.py", 3, 3)]]
    for name in ("act", "Agent", "action", "react", "missing"):
        for skip in skips * 2:  # each question twice: the second answer comes from the cache
            assert side.references(name, skip) == _fresh(texts, name, skip, first_only=False)
            assert side.mentions(name, skip) == _fresh(texts, name, skip, first_only=True)
    assert side.references("act") == [("conf/run.yaml", 1), ("conf/run.yaml", 2), ("pkg/agent.py", 3),
                                      ("pkg/agent.py", 6), ("pkg/agent.py", 8), ("pkg/other.py", 3)]
    assert side.mentions("act", [("pkg/agent.py", 1, 6)]) == [("conf/run.yaml", 1), ("pkg/agent.py", 8),
                                                             ("pkg/other.py", 3)]


def test_a_returned_list_is_the_callers_own() -> None:
    side = SideIndex("candidate", MemoryTree(FILES))
    first = side.references("act")
    first.clear()
    assert side.references("act")

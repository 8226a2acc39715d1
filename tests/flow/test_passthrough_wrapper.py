"""An environment wrapper that overrides nothing the agent sees is no change of the environment path.

Real shape (PufferLib): `env = RenderWrapper(env)` inserted into two environment factories, where
`RenderWrapper(gym.Wrapper)` only stores the environment and adds `render_mode` and `render()`;
reported as "Behavioural change in the environment path: `make` (2 places)". Negative twins: a
wrapper with its own `step` (even one that only counts), one that replaces a space, and one whose
`__init__` does more than store values keep the finding."""

from __future__ import annotations

from investigator.models import Finding
from tests.flow.support import flow_findings, flow_result

FACTORY = """
    import gymnasium as gym
    from wrappers import MyWrapper


    def make(name):
        env = gym.make(name)
        WRAP
        env = gym.wrappers.FlattenObservation(env)
        return env


    def train(policy, optimizer, steps):
        env = make("CartPole-v1")
        obs, info = env.reset(seed=0)
        for _ in range(steps):
            action = policy(obs)
            obs, reward, terminated, truncated, info = env.step(action)
            loss = -(policy.log_prob(obs, action) * reward).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
"""

RENDER_ONLY = """
    import gymnasium as gym


    class MyWrapper(gym.Wrapper):
        '''Frames for videos.'''

        metadata = {"render_modes": ["rgb_array"]}

        def __init__(self, env, size=256):
            super().__init__(env)
            self.env = env
            self.size = size

        @property
        def render_mode(self):
            return "rgb_array"

        def render(self, *args, **kwargs):
            return self.env.unwrapped.render((self.size, self.size))
"""

STEP_COUNTER = RENDER_ONLY + """
        def step(self, action):
            self.steps = getattr(self, "steps", 0) + 1
            return self.env.step(action)
"""

SPACE = RENDER_ONLY.replace("self.size = size", "self.observation_space = size")

INIT_CALLS = RENDER_ONLY.replace("self.size = size", "self.size = size\n        env.unwrapped.frameskip = 1")


def _findings(wrapper: str, wrap: str = "env = MyWrapper(env)") -> list[Finding]:
    return flow_findings({"train.py": FACTORY.replace("WRAP", "pass"), "wrappers.py": wrapper},
                         {"train.py": FACTORY.replace("WRAP", wrap), "wrappers.py": wrapper})


def test_a_render_only_wrapper_is_no_change():
    assert _findings(RENDER_ONLY) == []


def test_a_wrapper_with_its_own_step_is_a_change():
    found = _findings(STEP_COUNTER)
    assert len(found) == 1 and "`make`" in found[0].title and "environment" in found[0].title, \
        [f.title for f in found]


def test_a_wrapper_that_sets_a_space_or_touches_the_env_is_a_change():
    for wrapper in (SPACE, INIT_CALLS):
        found = _findings(wrapper)
        assert len(found) == 1 and "`make`" in found[0].title, [f.title for f in found]


def test_another_argument_than_the_env_is_a_change():
    found = _findings(RENDER_ONLY, "env = MyWrapper(gym.make('Pong-v5'))")
    assert len(found) == 1 and "`make`" in found[0].title, [f.title for f in found]


def test_the_no_effect_item_names_the_wrapper():
    items = flow_result({"train.py": FACTORY.replace("WRAP", "pass"), "wrappers.py": RENDER_ONLY},
                        {"train.py": FACTORY.replace("WRAP", "env = MyWrapper(env)"), "wrappers.py": RENDER_ONLY}).no_effect
    assert any("`MyWrapper` wraps the environment" in n.reason for n in items), [n.reason for n in items]

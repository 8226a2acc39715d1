"""A sensor's `get_observation` returns what the agent observes: the flow stops at the suite's dynamic dispatch
(`sensor.get_observation(env=env, task=task)`), which is not "no effect". Real shape: allenact 5b2b70a0..97620944
allenact/embodiedai/sensors/vision_sensors.py:53 (`np.array(mean)` -> `np.array(mean) if mean is not None else
None`: the unnormalised vision sensors fix), filed "reach no loss, target, reward ..."."""

from __future__ import annotations

from tests.flow.support import flow_result

SENSOR = """
class Sensor:
    def __init__(self, uuid):
        self.uuid = uuid

    def get_observation(self, env, task, **kwargs):
        raise NotImplementedError()


class SensorSuite:
    def __init__(self, sensors):
        self.sensors = {s.uuid: s for s in sensors}

    def get_observations(self, env, task, **kwargs):
        return {uuid: sensor.get_observation(env=env, task=task, **kwargs) for uuid, sensor in self.sensors.items()}
"""
VISION = """
import numpy as np
from sensor import Sensor


class {cls}({base}):
    def __init__(self, mean=None, stdev=None, uuid="rgb"):
        super().__init__(uuid)
        self._norm_means = {means}
        self._norm_sds = np.array(stdev) if stdev is not None else None
        self._should_normalize = self._norm_means is not None

    def process_img(self, img):
        img = img.astype(np.float32) / 255.0
        if self._should_normalize:
            img -= self._norm_means
            img /= self._norm_sds
        return img

    def get_observation(self, env, task, *args, **kwargs):
        return self.process_img(env.current_frame)
"""
CONFIG = """
from vision import {cls}


class ObjectNavConfig:
    SENSORS = [{cls}(mean=None, stdev=None, uuid="rgb_lowres")]
"""


def _result(cls: str = "VisionSensor", base: str = "Sensor", named: bool = True):
    files = {"sensor.py": SENSOR, "vision.py": VISION.replace("{cls}", cls).replace("{base}", base)}
    if named:
        files["config.py"] = CONFIG.replace("{cls}", cls)
    before = dict(files, **{"vision.py": files["vision.py"].replace("{means}", "np.array(mean)")})
    after = dict(files, **{"vision.py": files["vision.py"].replace(
        "{means}", "np.array(mean) if mean is not None else None")})
    return flow_result(before, after)


def test_a_change_a_sensor_returns_as_the_observation_is_on_the_environment_path():
    result = _result()
    assert result.findings and result.findings[0].evidence[0].details["sink"] == "environment", \
        [n.reason for n in result.no_effect]


def test_an_unused_sensor_or_a_class_not_named_like_a_sensor_is_not_this_rule():
    for kwargs in ({"named": False}, {"cls": "FrameReader", "base": "object"}):
        result = _result(**kwargs)  # type: ignore[arg-type]
        assert not [f for f in result.findings if f.evidence and f.evidence[0].details.get("sink") == "environment"], \
            kwargs

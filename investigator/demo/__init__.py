"""The built-in demo: a generated PPO repository with planted regressions (also the test fixture factory)."""

from investigator.demo.generator import DemoRepo, PlantedRegression, generate_demo_repo

__all__ = ["DemoRepo", "PlantedRegression", "generate_demo_repo"]

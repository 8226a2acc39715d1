"""Learning-rate schedules."""

import math


class CosineSchedule:
    """Cosine annealing from the initial learning rate to zero."""

    def __init__(self, optimizer, total_updates, warmup=0):
        self.optimizer = optimizer
        self.total_updates = total_updates
        self.warmup = warmup
        self.base_lrs = [group["lr"] for group in optimizer.param_groups]
        self.count = 0

    def step(self):
        self.count += 1
        frac = min(1.0, self.count / max(1, self.total_updates))
        scale = min(1.0, self.count / self.warmup) if self.warmup else 1.0
        for group, base in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = base * scale * 0.5 * (1 + math.cos(math.pi * frac))

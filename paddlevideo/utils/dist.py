"""Rank and world size of a ``paddle.distributed.launch`` run (1 process: rank 0 of 1)."""
from __future__ import annotations

import os
from typing import Tuple


def get_dist_info() -> Tuple[int, int]:
    rank = int(os.environ.get("PADDLE_TRAINER_ID", 0))
    world = int(os.environ.get("PADDLE_TRAINERS_NUM", 1))
    return rank, world

"""Value checks for arguments that come from configs and data files.

Each returns a bool; the caller raises the error, worded for its own argument. A bool is never
accepted as a number (YAML's ``true`` would otherwise pass as 1).
"""
from __future__ import annotations

import numbers
from typing import Any, Optional


def is_int(value: Any, low: Optional[int] = None, high: Optional[int] = None) -> bool:
    """True for an integer (Python or NumPy, not a bool) with ``low <= value <= high`` (bounds optional)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        return False
    return (low is None or value >= low) and (high is None or value <= high)


def is_number(value: Any, low: Optional[float] = None, high: Optional[float] = None) -> bool:
    """True for a real number (int or float, not a bool) with ``low <= value <= high`` (bounds optional)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    return (low is None or value >= low) and (high is None or value <= high)

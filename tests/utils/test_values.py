"""is_int / is_number: the one check behind every "a positive integer, got ..." error."""
import numpy as np
import pytest

from paddlevideo.utils.values import is_int, is_number


@pytest.mark.parametrize("value, low, high, expected", [
    (3, 1, None, True), (np.int64(3), 1, None, True), (0, 1, None, False), (5, 0, 4, False), (4, 0, 4, True),
    (True, None, None, False), (3.0, None, None, False), ("3", None, None, False), (None, None, None, False),
])
def test_is_int(value, low, high, expected):
    assert is_int(value, low, high) is expected


@pytest.mark.parametrize("value, low, high, expected", [
    (0.5, 0, 1, True), (2, 0, None, True), (-0.1, 0, None, False), (1.5, None, 1, False),
    (False, None, None, False), ("0.5", None, None, False),
])
def test_is_number(value, low, high, expected):
    assert is_number(value, low, high) is expected

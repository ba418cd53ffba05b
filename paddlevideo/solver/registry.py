"""Registry of learning-rate schedules; configs refer to entries by name."""
from ..utils.registry import Registry

LRS = Registry("lr scheduler")

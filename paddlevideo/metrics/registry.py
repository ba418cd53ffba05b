"""Registry of evaluation metrics; configs refer to entries by name."""
from ..utils.registry import Registry

METRICS = Registry("metric")

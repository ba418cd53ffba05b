"""Utilities below everything else: registry, logging, checkpoints, distributed info, file writes.

Nothing here imports from the rest of the package; the config (``paddlevideo.config``) sits
above the registries it checks.
"""
from .dist import get_dist_info
from .logger import get_logger
from .registry import Registry, RegistryError

__all__ = ["get_dist_info", "get_logger", "Registry", "RegistryError"]

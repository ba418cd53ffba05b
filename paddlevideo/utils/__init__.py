"""Utilities: config, registry, logging, checkpoints, distributed info."""
from .config import AttrDict, ConfigError, get_config, override_config, parse_config, print_config
from .dist import get_dist_info
from .logger import get_logger
from .registry import Registry, RegistryError

__all__ = ["AttrDict", "ConfigError", "get_config", "override_config", "parse_config",
           "print_config", "get_dist_info", "get_logger", "Registry", "RegistryError"]

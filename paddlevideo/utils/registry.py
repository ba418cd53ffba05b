"""A registry is a named dict from a string to a class or function.

Configs name parts by string (``name: CTRGCN``); the registry turns the name into the
class and the remaining keys into its keyword arguments.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Optional


class RegistryError(KeyError):
    """An unknown name, or a name registered twice."""

    def __str__(self) -> str:  # KeyError quotes its message; we want it plain
        return str(self.args[0]) if self.args else ""


class Registry:
    """Maps names to objects of one kind (backbones, heads, datasets, ...)."""

    def __init__(self, kind: str):
        self.kind = kind
        self._objects: Dict[str, Any] = {}

    def register(self, obj: Any = None, name: Optional[str] = None) -> Callable:
        """Use as ``@REG.register()`` or ``REG.register(obj)``; the key is ``obj.__name__``."""

        def _add(o: Any) -> Any:
            key = name or o.__name__
            if key in self._objects:
                raise RegistryError(f"{self.kind} '{key}' is already registered")
            self._objects[key] = o
            return o

        return _add if obj is None else _add(obj)

    def get(self, name: str) -> Any:
        if name not in self._objects:
            known = ", ".join(sorted(self._objects)) or "(none)"
            raise RegistryError(f"unknown {self.kind} '{name}'; registered {self.kind}s: {known}")
        return self._objects[name]

    def names(self) -> list:
        return sorted(self._objects)

    def __contains__(self, name: str) -> bool:
        return name in self._objects

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {self.names()})"

"""Helpers shared by every component's frozen config dataclass: strict overrides, dicts, hashes."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any, Mapping, TypeVar

C = TypeVar("C")


def override(cfg: C, changes: Mapping[str, Any] | None = None, **kwargs: Any) -> C:
    """Return a copy of ``cfg`` with fields replaced; dotted keys reach nested configs.

    An unknown name raises ``ValueError`` listing the allowed ones, so a misspelt
    parameter can never silently fall back to a default.
    """
    merged = {**(changes or {}), **kwargs}
    direct: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    names = [f.name for f in dataclasses.fields(cfg)]
    for key, value in merged.items():
        head, _, rest = key.partition(".")
        if head not in names:
            raise ValueError(
                f"{type(cfg).__name__} has no parameter {head!r}; allowed: {', '.join(names)}"
            )
        if rest:
            nested.setdefault(head, {})[rest] = value
        else:
            direct[head] = value
    for head, sub in nested.items():
        inner = direct.get(head, getattr(cfg, head))
        if not dataclasses.is_dataclass(inner):
            raise ValueError(f"{type(cfg).__name__}.{head} is not a nested config")
        direct[head] = override(inner, sub)
    return dataclasses.replace(cfg, **direct)


def to_dict(cfg: Any) -> dict[str, Any]:
    """A JSON-ready dict of a (nested) config; tuples become lists."""
    return json.loads(json.dumps(dataclasses.asdict(cfg)))


def config_hash(cfg: Any) -> str:
    """A short, stable fingerprint of a config (dataclass or plain dict), used to key saved results."""
    text = json.dumps(cfg if isinstance(cfg, dict) else to_dict(cfg), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def check(condition: bool, message: str) -> None:
    """Raise ``ValueError(message)`` unless ``condition`` holds (config validation)."""
    if not condition:
        raise ValueError(message)

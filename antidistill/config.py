"""Helpers shared by every component's frozen config dataclass: strict overrides, dicts, hashes."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import typing
from functools import lru_cache
from typing import Any, Mapping, TypeVar

from pydantic import ConfigDict, TypeAdapter, ValidationError

C = TypeVar("C")


@lru_cache(maxsize=None)
def _adapter(annotation: Any) -> TypeAdapter:
    # pydantic's lax mode converts the strings of the command line ("False", "3", "0.5") by the
    # field's type and rejects what does not fit; every number must be finite.
    return TypeAdapter(annotation, config=ConfigDict(allow_inf_nan=False))


def _is_config(annotation: Any) -> bool:
    return any(dataclasses.is_dataclass(a) for a in (annotation, *typing.get_args(annotation)))


def convert(cfg_type: type, name: str, value: Any) -> Any:
    """``value`` converted to the type of field ``name`` of ``cfg_type``, or ValueError saying what fits."""
    annotation = typing.get_type_hints(cfg_type)[name]
    if _is_config(annotation) or dataclasses.is_dataclass(value):
        if not (dataclasses.is_dataclass(value) or (value is None and type(None) in typing.get_args(annotation))):
            raise ValueError(
                f"{cfg_type.__name__}.{name} is a group of settings, not one value; set its fields, "
                f"e.g. {name}.<field>=..., got {name}={value!r}"
            )
        return value  # nested configs are validated by their own __post_init__
    try:
        return _adapter(annotation).validate_python(value)
    except ValidationError as exc:
        reason = exc.errors()[0]["msg"]
        expected = annotation.__name__ if isinstance(annotation, type) else str(annotation).replace("typing.", "")
        hint = ""
        if typing.get_origin(annotation) is tuple or tuple in typing.get_args(annotation):
            hint = " (a list, e.g. [5] or [5, 10], even for one value)"
        raise ValueError(f"{cfg_type.__name__}.{name} must be {expected}{hint}; got {value!r}: {reason}") from None


def override(cfg: C, changes: Mapping[str, Any] | None = None, **kwargs: Any) -> C:
    """Return a copy of ``cfg`` with fields replaced; dotted keys reach nested configs.

    An unknown name raises ``ValueError`` listing the allowed ones, so a misspelt
    parameter can never silently fall back to a default; every value is converted to its
    field's type (strings from the command line included) or rejected with a ValueError.
    """
    merged = {**(changes or {}), **kwargs}
    direct: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    names = [f.name for f in dataclasses.fields(cfg)]
    for key, value in merged.items():
        head, _, rest = key.partition(".")
        if head not in names:
            raise ValueError(f"{type(cfg).__name__} has no parameter {head!r}; allowed: {', '.join(names)}")
        if rest:
            nested.setdefault(head, {})[rest] = value
        else:
            direct[head] = convert(type(cfg), head, value)
    for head, sub in nested.items():
        inner = direct.get(head, getattr(cfg, head))
        if not dataclasses.is_dataclass(inner):
            raise ValueError(f"{type(cfg).__name__}.{head} is not a nested config")
        direct[head] = override(inner, sub)
    return dataclasses.replace(cfg, **direct)


# A field added to a config after results were saved (and published) with it: while it keeps its
# default it is left out of the config's dict, so every saved config, and its hash, stays what
# it was; set to another value, it is written like any field.
ADDED = "added"


def added_field(default: Any, **metadata: Any) -> Any:
    """A config field added after results were saved (``ADDED``): the default must be the
    behaviour those results were computed with."""
    return dataclasses.field(default=default, metadata={ADDED: True, **metadata})


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not (f.metadata.get(ADDED) and getattr(value, f.name) == f.default)
        }
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def to_dict(cfg: Any) -> dict[str, Any]:
    """A JSON-ready dict of a (nested) config; tuples become lists; an ``added_field`` at its
    default is left out."""
    return json.loads(json.dumps(_plain(cfg)))


def from_dict(cfg_type: type[C], values: Mapping[str, Any]) -> C:
    """The config of ``cfg_type`` that ``to_dict`` turned into ``values``; a ValueError when they
    no longer fit its fields (one added, removed or renamed since they were saved) or values."""
    try:
        cfg = TypeAdapter(cfg_type).validate_python(dict(values))
    except (ValidationError, TypeError, ValueError) as exc:
        raise ValueError(f"not a {cfg_type.__name__}: {str(exc).splitlines()[0]}") from None
    if to_dict(cfg) != values:
        now, then = _leaves(to_dict(cfg)), _leaves(dict(values))
        changed = sorted(k for k in set(now) | set(then) if now.get(k, _MISSING) != then.get(k, _MISSING))
        raise ValueError(f"its fields are not {cfg_type.__name__}'s now: {', '.join(changed[:5])} differ")
    return cfg


_MISSING = object()


def _leaves(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, Mapping):
            out.update(_leaves(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def config_hash(cfg: Any) -> str:
    """A short, stable fingerprint of a config (dataclass or plain dict), used to key saved results."""
    text = json.dumps(cfg if isinstance(cfg, dict) else to_dict(cfg), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def in_words(cfg_type: type, name: str, value: Any) -> str:
    """A config field's value as the report prints it: the words its field's metadata gives for
    that value ("values"), else the value itself (a float in its shortest form)."""
    values = cfg_type.__dataclass_fields__[name].metadata.get("values", {})
    return values.get(value, f"{value:g}" if isinstance(value, float) else str(value))


def check(condition: bool, message: str) -> None:
    """Raise ``ValueError(message)`` unless ``condition`` holds (config validation)."""
    if not condition:
        raise ValueError(message)

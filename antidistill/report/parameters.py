"""The notebooks' parameters cell: which names it may hold, and their validation (errors say what is allowed)."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Sequence

from ..environment import pick_device
from ..profiles import PROFILES, Profile
from ..protocol import protocol_for
from ..store import check_writable

# The names of every notebook's parameters cell; papermill injects a cell headed "# Parameters".
NOTEBOOK_PARAMETERS = ("mode", "profile", "seeds", "device", "results_dir")


def injected_names(executed: Sequence[str]) -> list[str]:
    """The names papermill's injected parameters cell assigns, from the sources of the cells
    executed so far (IPython's ``In``)."""
    names = []
    for source in executed:
        if source.lstrip().startswith("# Parameters"):
            for node in ast.parse(source).body:
                if isinstance(node, ast.Assign):
                    names += [t.id for t in node.targets if isinstance(t, ast.Name)]
    return names


def check_injected(executed: Sequence[str]) -> None:
    """Papermill only warns about a parameter the notebook does not have (``-p seed 3`` would run
    with the profile's seeds); this makes it an error naming the allowed ones."""
    unknown = sorted(set(injected_names(executed)) - set(NOTEBOOK_PARAMETERS))
    if unknown:
        raise ValueError(
            f"unknown parameter{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
            f"allowed: {', '.join(NOTEBOOK_PARAMETERS)}"
        )


def validate_parameters(
    mode: str, profile: str, seeds: Sequence[int] | None, device: str, results_dir: str | Path
) -> tuple[Profile, tuple[int, ...]]:
    """Check a notebook's parameters; return the profile and the seeds to use.

    ``seeds=None`` takes the profile's seeds. Every error says what is allowed.
    """
    protocol_for(mode)  # raises, naming the allowed modes
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {', '.join(PROFILES)}; got {profile!r}")
    chosen = PROFILES[profile]
    if seeds is None:
        seeds = chosen.seeds
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Sequence):
        raise ValueError(f"seeds must be a list of integers >= 0 (or None for the profile's), got {seeds!r}")
    if len(seeds) == 0:
        raise ValueError("seeds is empty: give at least one integer >= 0 (or None for the profile's)")
    if any(not isinstance(s, int) or isinstance(s, bool) or s < 0 for s in seeds):
        raise ValueError(f"every seed must be an integer >= 0; got {list(seeds)}")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must not repeat; got {list(seeds)}")
    if not isinstance(device, str):
        raise ValueError(f"device must be 'auto', 'cpu' or 'cuda[:N]'; got {device!r}")
    pick_device(device)  # raises, saying what is allowed (and when CUDA is asked for without a GPU)
    if not str(results_dir):
        raise ValueError("results_dir must be a folder path")
    check_writable(results_dir)
    return chosen, tuple(seeds)

"""Every setting the report's prose states, read from the configs a build used, and the box comparing them with the paper's protocol."""

from __future__ import annotations

from typing import Any

from ..data import SIZES
from ..growth import METHODS
from ..profiles import Profile
from ..protocol import AUTHORS, RECORDED_LONG, describe
from ..search import SEARCHED, SearchConfig


def _grid(values: tuple[float, ...]) -> str:
    """An evenly spaced grid as "a to b in steps of s", any other as its list."""
    steps = {round(b - a, 6) for a, b in zip(values, values[1:])}
    if len(values) > 2 and len(steps) == 1:
        return f"{values[0]:g} to {values[-1]:g} in steps of {steps.pop():g}"
    return ", ".join(f"{v:g}" for v in values)


def settings(profile: Profile, mode: str, seeds: tuple[int, ...] | None = None) -> dict[str, Any]:
    """The settings of a build of ``profile`` in ``mode``, by name (the names the pages glue)."""
    seeds = tuple(profile.seeds if seeds is None else seeds)
    cfg = profile.config("transfer", seeds[0], mode)
    pre, loss, attack = cfg.growth.pretrain, cfg.growth.loss, cfg.attack
    searches = {m: SearchConfig.of(profile, m, mode, seeds) for m in SEARCHED}
    authors = profile.config("xavier", seeds[0], "authors")
    return {
        "mode": mode,
        "profile": profile.name,
        "profile_description": profile.description,
        "n_seeds": len(seeds),
        "seeds": ", ".join(map(str, seeds)),
        "n_methods": len(METHODS),
        "n_train": cfg.data.n_train or SIZES["train"],
        "teacher_epochs": cfg.teacher.epochs,
        "teacher_lr": cfg.teacher.lr,
        "teacher_milestones": ", ".join(map(str, cfg.teacher.milestones)) or "none",
        "teacher_gamma": cfg.teacher.gamma,
        "student_epochs": cfg.student.epochs,
        "student_epochs_recorded": cfg.protocol.epochs_recorded("xavier", cfg.student.epochs),
        # The authors' Table I rows recorded after longer training (``protocol.RECORDED_LONG``),
        # in `authors` mode whichever mode the build runs.
        "authors_epochs_recorded": authors.protocol.epochs_recorded("xavier", authors.student.epochs),
        "n_recorded_long": len(RECORDED_LONG),
        "n_recorded_short": len(METHODS) - len(RECORDED_LONG),
        # The authors' L4 as their code computes it (`authors` mode's switches), in words.
        "authors_l4_scale": describe("l4_scale", AUTHORS.l4_scale),
        "authors_probe": describe("probe", AUTHORS.probe),
        "recorded_short": " and ".join(spec.label for m, spec in METHODS.items() if m not in RECORDED_LONG),
        "student_lr": cfg.student.lr,
        "batch_size": cfg.student.batch_size,
        "head_only_epochs": cfg.growth.head_only_epochs,
        "pretrain_epochs": pre.epochs,
        "pretrain_lr": pre.lr,
        "pretrain_gamma": pre.gamma,
        "delta": loss.delta,
        "n_probes": loss.n_probes,
        "fgsm_grid": _grid(attack.fgsm_eps),
        "fgsm_eps_max": max(attack.fgsm_eps),
        "noise_grid": _grid(attack.noise_eps),
        "noise_eps_max": max(attack.noise_eps),
        "noise_subset": attack.noise_subset,
        "noise_min_draws": attack.noise_min_draws,
        "noise_se": attack.noise_se,
        "noise_batch": attack.noise_batch,
        **{f"trials_{m}": search.n_trials for m, search in searches.items()},
        "search_seeds": ", ".join(map(str, searches["antidistill"].search_seeds)),
    }


# The rows of the box, in order: (label, setting name).
BOX_ROWS = (
    ("seeds", "n_seeds"),
    ("training images", "n_train"),
    ("teacher epochs", "teacher_epochs"),
    ("D1 pre-training epochs", "pretrain_epochs"),
    ("D2 student epochs", "student_epochs"),
    *((f"λ-search trials, {METHODS[m].label}", f"trials_{m}") for m in SEARCHED),
)


def protocol_box(profile: Profile, ours: dict[str, Any], paper: dict[str, Any]) -> str:
    """Markdown: this build's settings (``ours``, of ``profile``) beside the paper protocol's
    (``paper``; both ``settings``'s, in one mode), row by row, for a results page's box."""
    lines = ["| | this build | the paper's protocol |", "| --- | --- | --- |"]
    lines += [f"| {label} | {ours[key]} | {paper[key]} |" for label, key in BOX_ROWS]
    same = all(ours[key] == paper[key] for _, key in BOX_ROWS)
    verdict = (
        "This build runs the paper's full protocol."
        if same
        else f"This build (`{profile.name}` profile: {profile.description}) is smaller than the paper's "
        "protocol, so its numbers are not the paper's protocol's; the default build (from the published "
        "results, or `--recompute`) is the full one."
    )
    return verdict + "\n\n" + "\n".join(lines)

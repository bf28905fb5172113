"""The opening page: what this build finds, in a few computed sentences."""

from __future__ import annotations

from typing import Any

from ...models import TEACHER_BLOCKS
from ..claims import CLAIMS
from ..tables import labels, ranking_sentence, runs_frame
from . import common
from .claims import glance_table, headline, seed_sets


def page(rep) -> dict[str, Any]:
    results = rep.run()
    runs = runs_frame(results)
    marked = labels(runs)
    s = rep.settings()
    findings = [
        f"- **Clean accuracy**: {ranking_sentence(runs, 'val_acc')}.",
        f"- **FGSM at ε = {s['fgsm_eps_max']:g}**: {ranking_sentence(runs, 'fgsm')}.",
        f"- **Weight noise at ε = {s['noise_eps_max']:g}**: {ranking_sentence(runs, 'noise')}.",
    ]
    frozen = [
        marked[m]
        for m in ("zero_pad", "net2net")
        if any(r["method"] == m for r in results)
        and all(r["effective_widths"] == list(TEACHER_BLOCKS) for r in results if r["method"] == m)
    ]
    if frozen:
        findings.append(
            f"- **Not in the paper**: the {' and '.join(frozen)} students never use their extra units: "
            f"every trained one still has the teacher's {list(TEACHER_BLOCKS)} distinct live units."
        )
    glance, counts = glance_table(rep)
    findings.append(
        f"- **The paper's {len(CLAIMS) + 1} claims, judged** ({{ref}}`claims`): {counts} "
        "((f) as the paper argues it, shared over student tasks; Hypothesis 1 apart)."
    )
    return {
        **common(rep),
        "glance": glance,
        "glance_seeds": headline(seed_sets(rep)).label,
        "findings": "\n".join(findings),
        "build": f"`{rep.mode}` mode, `{rep.profile.name}` profile ({rep.profile.description}), "
        f"seeds {list(rep.seeds)}",
    }

"""The opening page: what this build finds, in a few computed sentences."""

from __future__ import annotations

from typing import Any

from ...ablation import switch_label
from ...models import TEACHER_BLOCKS
from ...protocol import RECORDED_LONG, protocol_for
from ..claims import CLAIMS
from ..tables import PAPER_TABLE_I, labels, ranking_sentence, runs_frame
from . import common
from .claims import glance_table, headline, seed_sets


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def _mean(runs: list[dict[str, Any]], method: str, metric: str) -> float:
    values = runs_frame([r for r in runs if r["method"] == method])[metric]
    return float(values.mean())


def mechanisms(rep) -> str:
    """What explains the authors' table, each with its numbers from this build (a Markdown list):
    the output ReLU flipped alone on `paper`-mode Xavier, the epochs their robustness columns are
    read after, L4 without a gradient in their code, and the classes their students lose."""
    out = []
    paper = rep.of_mode("paper")
    relu = [
        (f, base, flipped)
        for f, base, flipped in paper.switches()
        if f.switch == "output_relu" and f.method == "xavier"
    ]
    if relu:
        _, base, flipped = relu[0]
        before, after = _mean(base, "xavier", "val_acc"), _mean(flipped, "xavier", "val_acc")
        printed = PAPER_TABLE_I["xavier"]["val_acc"][0]
        out.append(
            f"- **{_sentence_case(switch_label('output_relu'))}**, the authors' code's alone, moves `paper`-mode "
            f"Xavier's accuracy from {before:.3f} to {after:.3f}: {(after - before) / (printed - before):.0%} of the "
            f"way to the paper's printed {printed:.2f} ({{doc}}`12_switches`)."
        )
    authors = rep.of_mode("authors")
    read, same = authors.run(progress=False), rep.same_epoch()
    lead = lambda runs, other: _mean(runs, "antidistill", "fgsm") - _mean(runs, other, "fgsm")  # noqa: E731
    factor = protocol_for("authors").recorded_epochs_factor
    epochs = rep.profile.config("xavier", rep.seeds[0], "authors").student.epochs
    out.append(
        f"- **Epochs**: their code read the robustness of {len(RECORDED_LONG)} rows after {factor * epochs} D2 epochs "
        f"and of full Anti-Distillation after {epochs}. Read so, full Anti-Distillation's FGSM lead in `authors` "
        f"mode is {lead(read, 'xavier'):+.3f} over Xavier and {lead(read, 'antidistill_l4_0'):+.3f} over λ4 = 0; "
        f"with every row read after epoch {epochs}, {lead(same, 'xavier'):+.3f} and {lead(same, 'antidistill_l4_0'):+.3f} "
        f"(seeds {list(rep.seeds)}; {{ref}}`claims`)."
    )
    if not protocol_for("authors").l4_gradient:
        out.append(
            "- **L4 trains nothing in their code**: the Hessian term is computed without a gradient, so it cannot "
            "shape the student; their full Anti-Distillation and λ4 = 0 rows differ in their λ1–λ3 and in the epoch "
            "they are read after, not in a curvature penalty ({doc}`03_extension`, {doc}`12_switches`)."
        )
    lost = sum(bool(r.get("never_predicted")) for r in read)
    out.append(
        f"- **Lost classes**: in {lost} of the {len(read)} `authors`-mode Table I runs of this build the student "
        "never predicts at least one class ({doc}`05_experiment` in `authors` mode names them)."
    )
    return "\n".join(out)


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
        "mechanisms": mechanisms(rep),
        "glance_seeds": headline(seed_sets(rep)).label,
        "findings": "\n".join(findings),
        "build": f"`{rep.mode}` mode, `{rep.profile.name}` profile ({rep.profile.description}), "
        f"seeds {list(rep.seeds)}",
    }

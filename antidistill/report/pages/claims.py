"""Page 8, the claims: each of the paper's claims judged on this build's runs with paired statistics, and claims.csv."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from .. import figures
from ..claims import AGAINST, CLAIMS, CONVERGED_WITHIN, FAILS, FOR, HOLDS, INCONCLUSIVE, NEUTRAL, claims_table, verdicts
from ..cost import NEGLIGIBLE, cost_claim, cost_table
from ..statistics import ALPHA, CONFIDENCE
from ..tables import for_display
from . import common
from .table_one import DOWNLOADS

CLAIMS_CSV = "claims.csv"
# The label of `authors` mode with every row's columns read after the same epoch.
SAME_EPOCH = "authors mode, every row read after epoch {epoch}"


def verdict_table(table: pd.DataFrame) -> pd.DataFrame:
    """One row per claim and set of methods compared: the claim in our words and its verdict,
    with the comparison that decides it: where it fails, the clearest comparison against it;
    where it holds, the weakest comparison for it ("best": largest Holm p; "not best": the
    clearest win over the subject); where inconclusive, the comparison that is neither and
    nearest to deciding ("best": the largest Holm p; "not best": the smallest). Claim (f) has
    ratios, not tests: the largest decides."""
    kinds = {c.key: c.kind for c in CLAIMS}
    rows = []
    for (mode, key, methods), row in verdicts(table).iterrows():
        group = table[(table["mode"] == mode) & (table["claim"] == key) & (table["methods"] == methods)]
        if group["holm p"].isna().all():
            pick = group["mean difference"].idxmax()
        else:
            wanted = {FAILS: AGAINST, HOLDS: FOR, INCONCLUSIVE: NEUTRAL}[row["verdict"]]
            ps = group[group["supports"] == wanted]["holm p"]
            pick = ps.idxmin() if row["verdict"] == FAILS or kinds[key] == "not_best" else ps.idxmax()
        rows.append(
            {
                "claim": f"({key}) {row['text']}",
                "mode": mode,
                "methods compared": methods
                + (" (its method collapsed in pre-training)" if row["subject collapsed"] else ""),
                "verdict": row["verdict"],
                "deciding comparison": group.loc[pick, "comparison"],
                "mean difference": group.loc[pick, "mean difference"],
                "its Holm p": group.loc[pick, "holm p"],
            }
        )
    return pd.DataFrame(rows).set_index(["claim", "mode", "methods compared"])


def comparisons(table: pd.DataFrame) -> pd.DataFrame:
    """Every comparison behind the verdicts: mean difference over seeds (a ratio for variances),
    its interval, p and Holm p, three decimals."""
    shown = table[
        ["claim", "mode", "methods", "metric", "comparison", "n", "mean difference", "low", "high", "p", "holm p"]
    ]
    return for_display(shown.set_index(["claim", "mode", "methods", "comparison"]))


def margin_sentence(table: pd.DataFrame) -> str:
    """Claim (b)'s margin per mode: the smallest mean FGSM lead of Anti-Distillation over another
    method, with its interval."""
    parts = []
    for mode, rows in table[(table["claim"] == "b") & (table["methods"] == "all methods")].groupby("mode", sort=False):
        closest = rows.loc[rows["mean difference"].idxmin()]
        parts.append(
            f"in {mode} the smallest is against {closest['comparison'].split(' − ')[1]}, "
            f"{closest['mean difference']:+.3f} on average ({CONFIDENCE:.0%} interval "
            f"{closest['low']:+.3f} to {closest['high']:+.3f})"
        )
    return (
        (
            f"Claim (b) speaks of a large margin. Of Anti-Distillation's FGSM accuracy minus each other method's, "
            f"{'; '.join(parts)}."
        )
        if parts
        else ""
    )


def write_claims(table: pd.DataFrame, folder: Path = DOWNLOADS) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    table.to_csv(folder / CLAIMS_CSV, index=False)


def all_claims(rep) -> pd.DataFrame:
    """Every comparison and verdict of both modes (and `authors` mode read after the same epoch),
    claim (f)'s costs included."""
    sessions = [rep.of_mode(mode) for mode in rep.modes()]
    same = rep.same_epoch()
    return pd.concat(
        [claims_table(r.run(), f"{r.mode} mode") for r in sessions]
        + [claims_table(same, SAME_EPOCH.format(epoch=same[0]["metric_epochs"]["fgsm"]))]
        + [pd.DataFrame(cost_claim(r)) for r in sessions],
        ignore_index=True,
    )


def verdict_counts(judged: pd.DataFrame) -> str:
    """How many claims hold, fail or are inconclusive per mode: one verdict per claim and mode,
    on all methods, and (f) at its most lenient reading (its first)."""
    first = judged.groupby(level=["claim", "mode"], sort=False).head(1)
    return "; ".join(
        f"{mode}: " + ", ".join(f"{n} {v}" for v, n in group["verdict"].value_counts().items())
        for mode, group in first.groupby(level="mode", sort=False)
    )


def page(rep) -> dict[str, Any]:
    table = all_claims(rep)
    write_claims(table)
    judged = verdict_table(table)
    costs = pd.concat(
        {f"{mode} mode": cost_table(rep.of_mode(mode)) for mode in rep.modes()}, names=["mode", "initialisation"]
    )
    return {
        **common(rep),
        "claims_mode": f"`{rep.profile.name}` profile, seeds {list(rep.seeds)}, both modes",
        "claims_verdicts": for_display(judged),
        "claims_comparisons": comparisons(table),
        "claims_costs": for_display(costs),
        "claims_negligible": f"{NEGLIGIBLE:.0%}",
        "claims_cost_fig": figures.accuracy_vs_cost(costs),
        "claims_margin": margin_sentence(table),
        "claims_alpha": ALPHA,
        "claims_confidence": f"{CONFIDENCE:.0%}",
        "claims_converged": f"{CONVERGED_WITHIN:.0%}",
        "claims_n": len(CLAIMS) + 1,
        "claims_counts": verdict_counts(judged),
    }

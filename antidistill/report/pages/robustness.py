"""Page 6, robustness: accuracy under FGSM (Figure 2) and with noisy weights (Figure 3), and where each method ranks."""

from __future__ import annotations

from typing import Any

from ... import attacks
from .. import figures
from ..source import listing
from ..tables import curves_frame, ranking, runs_frame
from . import common

ATTACKS = {"fgsm": "FGSM", "noise": "weight noise"}


def page(rep) -> dict[str, Any]:
    results = rep.run()
    curves, runs = curves_frame(results), runs_frame(results)
    values: dict[str, Any] = {
        **common(rep),
        "n_methods_run": runs["method"].nunique(),
        "code_fgsm": listing(attacks.input_gradient_sign, attacks.fgsm),
        "code_weight_noise": listing(attacks.noisy_accuracy),
    }
    both = curves_frame([r for mode in rep.modes() for r in rep.of_mode(mode).run(progress=False)])
    for number, (metric, attack) in zip((2, 3), ATTACKS.items()):
        values[f"fig{number}"] = figures.accuracy_vs_eps(
            both,
            attack,
            title=f"Paper Fig. {number} (reproduced): validation accuracy under {attack}, mean ± std over seeds",
        )
        values[f"diff_{metric}"] = figures.difference_from_xavier(curves, attack)
        values[f"dots_{metric}"] = figures.dots_at_largest_eps(curves, attack)
        ranked = ranking(runs, metric)
        values[f"{metric}_best"] = ranked.iloc[0]["label"]
        values[f"{metric}_best_value"] = ranked.iloc[0]["mean"]
        values[f"{metric}_spread"] = ranked["mean"].iloc[0] - ranked["mean"].iloc[-1]
        for method in ("antidistill", "antidistill_l4_0"):
            key = "ad" if method == "antidistill" else "ad0"
            values[f"{metric}_{key}_rank"] = int(ranked.loc[method, "rank"])
            values[f"{metric}_{key}_value"] = ranked.loc[method, "mean"]
    return values

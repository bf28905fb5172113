"""What each `authors`-mode switch changes: runs with the switch as the authors' code had it and flipped.

  python tools/switch_effects.py --seeds 0,1 --out effects.json [--profile paper] [--threads N]
  python tools/switch_effects.py --table effects.json

Every run is `authors` mode; one switch is flipped to its `paper` setting at a time, on the
method it concerns. The lambdas are the authors' own search results, as their notebooks
printed them (their searched lambdas are not re-searched here). Results are written after each
run, so an interrupted call keeps what it finished; `--table` prints them next to the authors'
recorded runs (reference/authors/records.json) where present.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import torch

from antidistill.config import override
from antidistill.experiment import get_or_run_seeds
from antidistill.profiles import PROFILES
from antidistill.protocol import AUTHORS, PAPER
from antidistill.reference import THEIR_LAMBDAS, load_reference, recorded
from antidistill.store import Store

# Printed by their notebooks train_antidistillation_optuna / _L4_optuna: the best trials, and
# the fANOVA importances their final full Anti-Distillation run used as lambdas.
THEIR_FULL_BEST = (0.716363757180193, 0.6256876037711583, 0.0027526129759972706, 0.5634907950570721)
THEIR_FULL_IMPORTANCE = THEIR_LAMBDAS["antidistill"]

# (switch, method, lambdas with the switch as theirs, lambdas when flipped)
CASES = (
    ("single_stream", "xavier", None, None),
    ("single_stream", "uniform_pad", None, None),
    ("recorded_epochs_factor", "xavier", None, None),
    ("zero_pad_teacher_sized", "zero_pad", None, None),
    ("pretrain_batches", "data_noise", None, None),
    ("l4_gradient", "antidistill", THEIR_FULL_IMPORTANCE, THEIR_FULL_IMPORTANCE),
    ("lambdas_from_importance", "antidistill", THEIR_FULL_IMPORTANCE, THEIR_FULL_BEST),
)


def _metrics(result: dict) -> dict:
    return {
        "val_acc": result["val_acc"],
        "fgsm": result["fgsm"]["acc"][-1],
        "noise": result["weight_noise"]["acc"][-1],
        "epochs": result["metric_epochs"],
    }


def run(seeds: list[int], out: Path, profile: str, device: str) -> None:
    done = json.loads(out.read_text()) if out.is_file() else {}
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(tmp)
        for seed in seeds:
            for switch, method, theirs, flipped in CASES:
                for setting in ("authors", "flipped"):
                    key = f"{switch}|{method}|{seed}|{setting}"
                    if key in done:
                        continue
                    lambdas = theirs if setting == "authors" else flipped
                    cfg = PROFILES[profile].config(method, seed, "authors", lambdas)
                    if setting == "flipped" and switch != "lambdas_from_importance":
                        cfg = override(cfg, {f"protocol.{switch}": getattr(PAPER, switch)})
                    # Cases that share a run (the authors' default) train it once.
                    done[key] = _metrics(get_or_run_seeds([cfg], store, device=device, progress=False)[0])
                    print(key, done[key], flush=True)
                    out.write_text(json.dumps(done, indent=1))


def table(path: Path) -> None:
    done = json.loads(path.read_text())
    try:
        reference = load_reference()
    except FileNotFoundError:
        reference = None
    print(
        f"{'switch':24s} {'method':12s} seed | {'as theirs: acc  fgsm  noise':28s} | "
        f"{'flipped: acc  fgsm  noise':26s} | their record"
    )
    for key in sorted(k for k in done if k.endswith("|authors")):
        switch, method, seed, _ = key.split("|")
        a, b = done[key], done.get(f"{switch}|{method}|{seed}|flipped")
        fmt = lambda m: f"{m['val_acc']:.3f} {m['fgsm']:.3f} {m['noise']:.3f}" if m else "-"  # noqa: E731
        ref = ""
        if reference is not None:
            r = recorded(reference, method, int(seed), epoch=a["epochs"]["val_acc"])
            ref = f"{r['val_acc']:.3f} {r['fgsm']:.3f} {r['noise']:.3f}"
        print(f"{switch:24s} {method:12s} {seed:>4s} | {fmt(a):28s} | {fmt(b):26s} | {ref}")
    print(
        f"(authors mode; 'flipped' sets the one switch as in paper mode: {', '.join(c[0] for c in CASES)};"
        f" AUTHORS = {AUTHORS})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--out", type=Path, default=Path("switch_effects.json"))
    parser.add_argument("--profile", default="paper")
    parser.add_argument("--threads", type=int)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--table", type=Path, help="print a saved result file instead of running")
    args = parser.parse_args()
    if args.table:
        table(args.table)
        return 0
    if args.threads:
        torch.set_num_threads(args.threads)
    run([int(s) for s in args.seeds.split(",")], args.out, args.profile, args.device)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Page 3, growing the teacher: the loss terms on real data, Hutchinson's estimate against an exact trace, function preservation."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import torch

from ... import losses
from ...data import C1
from ...growth import DATA_NOISE_LAMBDAS, METHODS
from ...growth.net2net import net2wider, wider_mappings
from ...growth.pad import copy_into, zero_pad
from ...growth.transfer import transfer
from ...masks import ClassMask
from ...models import MLP, StackedMLP, n_params
from ...protocol import protocol_for
from .. import figures
from ..source import listing
from ..tables import for_display
from . import common

N_IMAGES = 1000  # D1 validation images the terms are scored on
N_PROBES = 32  # Hutchinson probes for the L4 column
SMALL_PROBES = 500  # probes of the exact-trace check
SMALL_BLOCKS = (8, 6)  # hidden layers of the model whose Hessian is formed
SMALL_POOL = 4  # 28x28 images average-pooled to 7x7


def loss_terms(
    student: MLP, teacher: MLP, x: torch.Tensor, y: torch.Tensor, mask: ClassMask, delta: float
) -> dict[str, float]:
    """Each term of the composite loss for one untrained student, L4 with its standard error."""
    gen = torch.Generator().manual_seed(0)
    draws = losses.hutchinson_draws(student, x, y, mask, N_PROBES, gen)
    stack = StackedMLP.stack([student])
    with torch.no_grad():  # the other terms are only evaluated
        return {
            "CE on D1": float(mask.ce(student(x), y)),
            "L2 = ‖u − Pr[w]‖²": float(losses.projection_distance(stack, StackedMLP.stack([teacher]))),
            "L3 (noisy-input CE)": float(losses.noisy_input_ce(stack, x[None], y[None], mask, delta, [gen])),
            "L4 ≈ tr H": float(draws.mean()),
            "L4 standard error": float(draws.std() / math.sqrt(N_PROBES)),
        }


def hutchinson_check(x: torch.Tensor, y: torch.Tensor, mask: ClassMask) -> dict[str, Any]:
    """Hutchinson's running estimate against the exact trace of a model small enough to form its Hessian."""
    small_x = torch.nn.functional.avg_pool2d(x[:256, None].double(), SMALL_POOL).squeeze(1)
    small = MLP(SMALL_BLOCKS, n_inputs=small_x[0].numel(), generator=torch.Generator().manual_seed(0)).double()
    exact = losses.exact_hessian_trace(small, small_x, y[:256], mask)
    draws = losses.hutchinson_draws(small, small_x, y[:256], mask, SMALL_PROBES, torch.Generator().manual_seed(1))
    estimate, se = float(draws.mean()), float(draws.std() / math.sqrt(len(draws)))
    return {
        "small_params": n_params(small),
        "small_blocks": str(list(SMALL_BLOCKS)),
        "small_side": 28 // SMALL_POOL,
        "small_probes": SMALL_PROBES,
        "exact_trace": exact,
        "hutchinson_estimate": estimate,
        "hutchinson_se": se,
        "hutchinson_z": abs(estimate - exact) / se,
        "hutchinson_fig": figures.hutchinson_convergence(draws, exact, n_params(small)),
    }


def preservation(rep, students: dict[str, MLP], teacher: MLP, mask: ClassMask) -> pd.DataFrame:
    """For the methods without an optimisation: how far each student's logits are from the teacher's."""
    data = rep.data()
    d1 = data.d1()
    x, y = d1.test.x[:N_IMAGES], d1.test.y[:N_IMAGES]
    everything = ClassMask()
    rows = {}
    with torch.no_grad():
        t_logits = teacher(data.test.x)
        for name, student in students.items():
            s_logits = student(data.test.x)
            rows[name] = {
                "initialisation": METHODS[name].label,
                "max |student − teacher| logit": float((s_logits - t_logits).abs().max()),
                f"D1 accuracy (classes {min(C1)}–{max(C1)})": float(mask.correct(student(x), y)) / len(y),
                "D2 accuracy before training": float(everything.correct(s_logits, data.test.y)) / len(data.test),
                "parameters": n_params(student),
            }
        rows["teacher"] = {
            "initialisation": "(the teacher)",
            "D2 accuracy before training": float(everything.correct(t_logits, data.test.y)) / len(data.test),
            "parameters": n_params(teacher),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def page(rep) -> dict[str, Any]:
    protocol = protocol_for(rep.mode)
    seed = rep.seeds[0]
    teacher, _ = rep.teacher(seed)
    teacher = teacher.cpu()
    d1 = rep.data().d1()
    x, y = d1.test.x[:N_IMAGES], d1.test.y[:N_IMAGES]
    mask = ClassMask(C1, protocol.mask)
    delta = rep.settings()["delta"]
    # The students as the experiment trains them, before any training (no optimisation in these five).
    students = {
        name: rep.grow(name, seed).student.cpu()
        for name in ("xavier", "zero_pad", "uniform_pad", "transfer", "net2net")
    }
    terms = pd.DataFrame(
        {
            METHODS[name].label: loss_terms(students[name], teacher, x, y, mask, delta)
            for name in ("xavier", "uniform_pad", "zero_pad")
        }
    ).T
    kept = preservation(rep, students, teacher, mask)
    l2, ce = terms.loc["Xavier", "L2 = ‖u − Pr[w]‖²"], terms.loc["Xavier", "CE on D1"]
    l2_sentence = (
        f"For a fresh student the squared distance is {l2 / ce:.0f} times its cross-entropy, so with λ in "
        "[0, 1] as the search allows it dominates the sum at first: the Anti-Distillation pre-training "
        "spends its early epochs pulling the student's corner onto the teacher."
        if l2 > 10 * ce
        else f"For a fresh student the squared distance is {l2 / ce:.1f} times its cross-entropy: neither term "
        "dominates the sum from the start."
    )
    gaps = kept.set_index("initialisation")["max |student − teacher| logit"]
    shown = kept.set_index("initialisation")
    shown["max |student − teacher| logit"] = [
        ("—" if v != v else f"{v:.1e}") for v in shown["max |student − teacher| logit"]
    ]
    return {
        **common(rep),
        "seed": seed,
        "n_images": N_IMAGES,
        "n_probes": N_PROBES,
        "term_table": for_display(terms),
        "code_l2": listing(losses.projection_distance),
        "code_l3": listing(losses.uniform_noise, losses.noisy_input_ce),
        "code_l4": listing(losses.quadratic_form, losses.hutchinson_trace),
        "code_pad": listing(copy_into, zero_pad),
        "code_transfer": listing(transfer),
        "code_net2net": listing(wider_mappings, net2wider),
        "l2_uniform_pad": terms.loc["Uniform Pad", "L2 = ‖u − Pr[w]‖²"],
        "l2_xavier": l2,
        "l2_sentence": l2_sentence,
        **hutchinson_check(x, y, mask),
        "preservation": for_display(shown),
        "gap_zero_pad": gaps["Zero Pad"],
        "gap_net2net": gaps["Net2Net"],
        "gap_uniform_pad": gaps["Uniform Pad"],
        "teacher_d2_acc": kept.loc["teacher", "D2 accuracy before training"],
        "probe_kind": protocol.probe,
        "data_noise_lambdas": ", ".join(f"λ{i} = {v:g}" for i, v in enumerate(DATA_NOISE_LAMBDAS, start=1)),
    }

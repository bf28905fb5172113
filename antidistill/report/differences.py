"""Where the paper's text and the authors' code differ, or the paper is silent: each setting, what each says (with its source), and what this build uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..attacks import AttackConfig
from ..config import in_words
from ..protocol import describe, label, protocol_for
from ..search import SearchConfig
from .settings import settings

# The facts below were read in the paper's text (its section) and in the authors' repository
# (github.com/intsystems/anti-distillation; file and function), and are stated in our words.
# "This build" is never typed here: each row names where its value comes from.


@dataclass(frozen=True)
class Row:
    setting: str
    source: tuple[str, str]  # ("protocol", field), ("setting", settings() key), ("attack", field) or ("search", what)
    paper: str
    paper_source: str
    authors: str
    authors_source: str


ROWS = (
    Row(
        "output_relu",
        ("protocol", "output_relu"),
        "No activation is named anywhere; Sec. II only says teacher and student output class-probability vectors (softmax implied over logits).",
        "Sec. II (Problem statement)",
        "Every layer, the 10-way output layer included, is Linear followed by nn.ReLU, so the logits fed to CrossEntropyLoss are ReLU'd.",
        "src/fminst/pipeline.py: MLP.__init__ (stack of Linear+ReLU blocks)",
    ),
    Row(
        "l2_squared",
        ("protocol", "l2_squared"),
        "L2 is defined as the squared Euclidean distance between teacher parameters u and the matching slice Pr[w] of the student.",
        "Sec. III (Teacher model extension)",
        "Concatenates weight and bias differences on the shared slice and returns torch.norm of it: the plain, unsquared L2 norm.",
        "src/fminst/antidistil.py: L2",
    ),
    Row(
        "probe",
        ("protocol", "probe"),
        "Cites stochastic trace estimation (Bai et al.) with Pearlmutter Hessian-vector products; the probe distribution is not stated.",
        "Sec. III (Teacher model extension)",
        "Each probe vector is torch.rand over all flattened student parameters, i.e. uniform on [0,1), not Rademacher.",
        "src/fminst/antidistil.py: L4 (random_vector = torch.rand(...))",
    ),
    Row(
        "probe_abs",
        ("protocol", "probe_abs"),
        "L4 is the trace of the CE Hessian itself; no absolute value is mentioned.",
        "Sec. III (Teacher model extension)",
        "Returns abs() of the mean of the v^T H v values; with the default single probe this is the absolute value of that one probe.",
        "src/fminst/antidistil.py: L4 (return abs(sum(res)/avg_num))",
    ),
    Row(
        "l4_scale",
        ("protocol", "l4_scale"),
        "The loss is a plain weighted sum; L4 is multiplied only by lambda4, no further constant.",
        "Sec. III (Teacher model extension)",
        "The loss adds lambdas[3] * L4(...) / 10000, so L4 is scaled down by 1e4 on top of lambda4.",
        "src/fminst/antidistil.py: altidistill_loss",
    ),
    Row(
        "shuffle",
        ("protocol", "shuffle"),
        "silent",
        "",
        "Train and test DataLoaders are built with shuffle=False, so every epoch sees the dataset in its stored order.",
        "src/fminst/pipeline.py: get_data (DataLoader(..., shuffle=False))",
    ),
    Row(
        "teacher_batches",
        ("protocol", "teacher_batches"),
        "The teacher is trained on D1, the Fashion-MNIST samples whose labels are in C1 = {0..4}.",
        "Sec. II (Problem statement); Sec. IV.C (Error analysis)",
        "Teacher loop runs over the full 60k-image loader; train_loop drops class 5-9 samples inside each 256-batch (mask_idx), so batches shrink.",
        "src/fminst/notebooks/train_teachers.ipynb (cell 6) + src/fminst/pipeline.py: train_loop",
    ),
    Row(
        "mask",
        ("protocol", "mask"),
        "The teacher maps inputs to probability vectors over the c1 = 5 classes only; how the student's D1 cross-entropy treats classes 5-9 is not said.",
        "Sec. II (Problem statement)",
        "Logits are multiplied by a 0/1 mask (model(X) * mask); zeroed logits of classes 5-9 stay inside CrossEntropyLoss's softmax.",
        "src/fminst/pipeline.py: train_loop, antidistil_loop (pred = model(X) * mask)",
    ),
    Row(
        "single_stream",
        ("protocol", "single_stream"),
        "silent",
        "",
        "Each run calls torch.manual_seed(i) once and draws everything from that global stream (teacher-shaped model first, then student, noise, probes).",
        "src/fminst/notebooks/train_*.ipynb (torch.manual_seed(i)); antidistil.py: simple_baseline_change_weights; transfer.py: transfer_last_layer",
    ),
    Row(
        "noise_per_batch",
        ("protocol", "noise_per_batch"),
        "Weights are perturbed as w + eps*xi with xi standard normal; the number of draws of xi and how they are scored is not stated.",
        "Sec. IV (Computational experiment)",
        "For each eps, one pass over the test set; a fresh xi is drawn for every 256-image test batch.",
        "src/fminst/pipeline.py: test_loop_noise",
    ),
    Row(
        "l4_gradient",
        ("protocol", "l4_gradient"),
        "L4 is a term of the minimized loss, regularizing the Hessian for robustness, estimated stochastically with fast Hv products.",
        "Sec. III (Teacher model extension)",
        "Uses torch.autograd.functional.hvp without create_graph: inputs are detached, so L4 adds a constant with no gradient (checked in torch 2.x).",
        "src/fminst/antidistil.py: L4 (torch.autograd.functional.hvp)",
    ),
    Row(
        "pretrain_batches",
        ("protocol", "pretrain_batches"),
        "Eq. (1)'s cross-entropy and L3 terms are sums over D1 (classes 0-4 only).",
        "Sec. III (Teacher model extension)",
        "antidistil_loop iterates the full training loader and removes class 5-9 samples inside each batch (mask_idx), as for teachers.",
        "src/fminst/pipeline.py: antidistil_loop; notebooks train_l1_l3 / train_antidistillation_*optuna.ipynb",
    ),
    Row(
        "lambdas_from_importance",
        ("protocol", "lambdas_from_importance"),
        "Method 7 tunes lambda1-3 by Bayesian optimization (Optuna), lambda4=0; method 8 optimizes all four. How final lambdas are chosen is not stated.",
        "Sec. IV (Computational experiment)",
        "L4 notebook sets lambdas = values of optuna get_param_importances (importance order); the L1-L3 notebook hard-codes the best trial's params.",
        "src/fminst/notebooks/train_antidistillation_L4_optuna.ipynb cell 7; train_antidistillation_optuna.ipynb cell 7",
    ),
    Row(
        "zero_pad_teacher_sized",
        ("protocol", "zero_pad_teacher_sized"),
        "Zero pad: the student's extra parameters (beyond the teacher's) are filled with zeros.",
        "Sec. IV (Computational experiment)",
        "get_weights('zero') makes torch.zeros of the teacher's layer shape, so the returned 'student' has teacher-sized layers.",
        "src/fminst/antidistil.py: get_weights, simple_baseline_change_weights",
    ),
    Row(
        "recorded_epochs_factor",
        ("protocol", "recorded_epochs_factor"),
        "Students are trained for 10 epochs; Table I reports accuracy after the last training epoch.",
        "Sec. IV.B (Configuration of algorithm run); Sec. IV.C (Error analysis)",
        "student_5_training_epochs was 30 until commit d9125e2 (2022-10-20); history_5_scratch/zero/uni/n2n, l1_l3, best_antidistill hold 10x30 epochs.",
        "src/fminst/consts.py: student_5_training_epochs (git log); src/fminst/models/history_*.json",
    ),
    Row(
        "student batch size",
        ("setting", "batch_size"),
        "silent",
        "",
        "batch_size = 256 for all train and test loaders (teachers, pre-training and students alike).",
        "src/fminst/consts.py: batch_size; src/fminst/pipeline.py: get_data",
    ),
    Row(
        "pre-training epochs",
        ("setting", "pretrain_epochs"),
        "silent",
        "",
        "Final runs: student_5_antidistil_epochs = 15 (the search trials: see search_pretrain_epochs).",
        "src/fminst/consts.py: student_5_antidistil_epochs; notebooks/train_antidistillation_*optuna.ipynb cell 3",
    ),
    Row(
        "search_pretrain_epochs",
        ("protocol", "search_pretrain_epochs"),
        "silent",
        "",
        "Each Optuna trial pre-trains for range(10) epochs, while the final runs take student_5_antidistil_epochs = 15.",
        "notebooks/train_antidistillation_optuna.ipynb, train_antidistillation_L4_optuna.ipynb cell 3; src/fminst/consts.py",
    ),
    Row(
        "search_split",
        ("protocol", "search_split"),
        "The student should minimise the loss on a validation part of D2, trained on its training part; Bayesian optimisation (Optuna) tunes the lambdas, on data it does not name.",
        "Sec. II (Problem statement); Sec. IV (Computational experiment)",
        "Each Optuna trial's objective is the mean FGSM accuracy at the largest eps on the test loader, over the seeds 0-9 that Table I then reports.",
        "notebooks/train_antidistillation_optuna.ipynb, train_antidistillation_L4_optuna.ipynb (train_antidistill_loop returns fsgm_noise_acc)",
    ),
    Row(
        "pre-training lr",
        ("setting", "pretrain_lr"),
        "silent",
        "",
        "Adam with student_5_antidistil_learning_rate = 5e-3.",
        "src/fminst/consts.py: student_5_antidistil_learning_rate; notebooks/train_l1_l3.ipynb, train_antidistillation_*.ipynb",
    ),
    Row(
        "pre-training decay",
        ("setting", "pretrain_gamma"),
        "silent",
        "",
        "ExponentialLR with gamma 0.85, stepped once per epoch at the end of antidistil_loop.",
        "notebooks/train_l1_l3.ipynb, train_antidistillation_*.ipynb (ExponentialLR); src/fminst/pipeline.py: antidistil_loop",
    ),
    Row(
        "delta (L3 noise half-width)",
        ("setting", "delta"),
        "L3 averages CE over inputs drawn uniformly from a delta-box around x (written [delta-x, delta+x]); no value of delta is given.",
        "Sec. III (Teacher model extension)",
        "Noise is (rand - 1/2) * noise_eps with noise_eps = 0.1: uniform on [-0.05, 0.05], so half-width 0.05; no clamp to [0,1].",
        "src/fminst/pipeline.py: antidistil_loop; notebooks pass noise_dist='uniform', noise_eps=1e-1",
    ),
    Row(
        "Hutchinson probes per batch",
        ("setting", "n_probes"),
        "Only says the Hessian trace is approximated stochastically; the number of probe vectors is not given.",
        "Sec. III (Teacher model extension)",
        "L4's avg_num defaults to 1 and altidistill_loss calls it without that argument: one probe per batch.",
        "src/fminst/antidistil.py: L4 (avg_num=1), altidistill_loss",
    ),
    Row(
        "FGSM eps grid",
        ("setting", "fgsm_grid"),
        "silent",
        "",
        "fsgm_eps = i/500 for i in 0..9, i.e. 0 to 0.018 in steps of 0.002.",
        "src/fminst/consts.py: fsgm_eps",
    ),
    Row(
        "FGSM clipping to [0,1]",
        ("attack", "clamp"),
        "silent",
        "",
        "Adversarial input is X + eps*sign(grad) with no clamping (images are ToTensor() in [0,1], no normalization).",
        "src/fminst/pipeline.py: test_loop_fsgm, get_data",
    ),
    Row(
        "weight-noise eps grid",
        ("setting", "noise_grid"),
        "silent",
        "",
        "noise_eps = i/100 for i in 0..9, i.e. 0 to 0.09 in steps of 0.01.",
        "src/fminst/consts.py: noise_eps",
    ),
    Row(
        "number of search trials per method",
        ("setting", "trials"),
        "silent",
        "",
        "study.optimize with n_trials=5 for lambda1-3 (lambda4=0) and n_trials=10 for all four lambdas.",
        "notebooks/train_antidistillation_optuna.ipynb cell 4; train_antidistillation_L4_optuna.ipynb cell 4",
    ),
    Row(
        "search objective",
        ("fixed", "objective"),
        "silent",
        "",
        "Maximize mean over 10 seeds of FGSM accuracy at the largest eps (0.018), after 10 pre-train + 10 student epochs; lambdas U[0,1], default TPE.",
        "notebooks/train_antidistillation_*optuna.ipynb: train_antidistill_loop return value, objective, create_study",
    ),
)


def _value(row: Row, profile, mode: str, seeds) -> str:
    kind, name = row.source
    if kind == "protocol":
        return describe(name, getattr(protocol_for(mode), name))
    s = settings(profile, mode, seeds)
    if kind == "attack":
        value = getattr(profile.config("xavier", (seeds or profile.seeds)[0], mode).attack, name)
        return in_words(AttackConfig, name, value)
    if kind == "setting" and name == "trials":
        return " / ".join(str(v) for k, v in s.items() if k.startswith("trials_"))
    if kind == "fixed" and name == "objective":
        search = SearchConfig.of(profile, "antidistill", mode, seeds)
        trial = search.trial_config(search.search_seeds[0], (1.0, 1.0, 1.0, 1.0))
        return (
            f"mean over seeds {s['search_seeds']} of FGSM accuracy at ε = {s['fgsm_eps_max']:g}, after "
            f"{trial.growth.pretrain.epochs} pre-training + {trial.student.epochs} D2 epochs"
        )
    return str(s[name])


def differences(profile, mode: str, seeds=None) -> pd.DataFrame:
    """One row per setting where the paper's text and the authors' code differ or the paper is
    silent: what each says, its source, and this build's value (from its configs)."""
    rows = [
        {
            "setting": label(r.source[1]) if r.source[0] == "protocol" else r.setting,
            "paper text": r.paper or "silent",
            "paper: where": r.paper_source or "—",
            "authors' code": r.authors,
            "code: where": r.authors_source,
            f"this build ({mode} mode)": _value(r, profile, mode, seeds),
        }
        for r in ROWS
    ]
    return pd.DataFrame(rows).set_index("setting")


CODE = "authors' code"


def to_markdown(frame: pd.DataFrame) -> str:
    """The table as MyST Markdown, each source in italics under its text (long texts wrap in the
    page instead of widening it)."""
    build = frame.columns[-1]
    lines = [f"| setting | paper text | authors' code | {build} |", "| --- | --- | --- | --- |"]
    for setting, row in frame.iterrows():
        paper = row["paper text"] + (f" *({row['paper: where']})*" if row["paper: where"] != "—" else "")
        code = f"{row[CODE]} (`{row['code: where']}`)"  # a code span: file names keep their underscores
        cells: list[Any] = [setting, paper, code, row[build]]
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)

"""Command line: ``run`` trains a (method, seed) or a stack of seeds, ``book`` builds the report, ``bench`` times; the other commands (``COMMANDS``) live in ``antidistill/commands/``."""

from __future__ import annotations

import argparse
import importlib
import json
import math
import shlex
import sys
from pathlib import Path
from typing import Any, Sequence

from .config import override
from .data import DataError
from .environment import REPO, pick_device
from .experiment import ExperimentConfig, get_or_run_seeds
from .growth import METHODS
from .profiles import PROFILES
from .protocol import MODES
from .published import PUBLISHED, is_published
from .store import DiskFull, InUse, InvalidRecord, NotStored, Store, check_writable
from .teachers import TEACHER_SOURCES
from .train import TrainingDiverged

INTERRUPTED = "interrupted; finished runs are saved, the same command resumes"
# The commands of antidistill/commands/, each a module with its own ``main(argv)`` and options
# (``python -m antidistill NAME --help``): name -> (module, what it does).
COMMANDS = {
    "compute": ("compute", "compute (or resume) every result a profile's book shows, into a results folder"),
    "spent": ("spent", "the compute time a results folder's saved runs took, per kind of work"),
    "same-teachers": ("same_teachers", "their Table I rows from their (or our) teachers, compared with their records"),
    "code-paths": ("code_paths", "10-seed runs under the pinned and forced CPU code paths, per-seed differences"),
    "fingerprint": ("fingerprint", "hashes of MKL's and ATen's results on fixed inputs, to compare two CPUs"),
    "extract-reference": ("extract_reference", "extract the authors' recorded runs from a clone of their repository"),
    "gpu-compare": ("gpu_compare", "one run per method on a device, or the CUDA-CPU differences of two such runs"),
    "graph-probe": ("graph_probe", "time a training epoch on CUDA eagerly and as CUDA graphs"),
}


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def _lambdas(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected four numbers l1,l2,l3,l4, got {text!r}") from None
    if len(values) != 4:
        raise argparse.ArgumentTypeError(f"expected four numbers l1,l2,l3,l4, got {len(values)}")
    if any(not (math.isfinite(v) and v >= 0) for v in values):
        raise argparse.ArgumentTypeError(f"every lambda must be a finite number >= 0, got {text}")
    return values


def _setting(text: str) -> tuple[str, Any]:
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected key=value (e.g. teacher.epochs=5), got {text!r}")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return key, tuple(value) if isinstance(value, list) else value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m antidistill", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="train one student (and its teacher if needed), write a JSON result")
    run.add_argument("--mode", choices=MODES, default="paper", help="protocol: the paper's text or the authors' code")
    run.add_argument("--method", choices=list(METHODS), required=True, help="growth method")
    which = run.add_mutually_exclusive_group()
    which.add_argument("--seed", type=_non_negative_int, default=0)
    which.add_argument(
        "--seeds",
        type=_seeds,
        help="comma-separated seeds, trained together as one stack (each seed's numbers are those of its own run)",
    )
    run.add_argument(
        "--epochs",
        type=_non_negative_int,
        help="student epochs on D2 (default 10); in --mode authors six of the rows train "
        "protocol.recorded_epochs_factor times as long, as the authors' code did, and are read as their Table I is",
    )
    run.add_argument("--lambdas", type=_lambdas, help="l1,l2,l3,l4 for antidistill methods")
    run.add_argument(
        "--teachers",
        choices=TEACHER_SOURCES,
        default="ours",
        help="ours: trained here from the seed; authors: their trained teachers (the shared reference "
        "folder; authors mode)",
    )
    run.add_argument(
        "--set",
        dest="settings",
        type=_setting,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override any config field, e.g. teacher.epochs=5 or protocol.shuffle=true",
    )
    run.add_argument("--out", default="results", help="results folder (default: results)")
    run.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda, ...")
    run.add_argument("--force", action="store_true", help="retrain even if this config has a saved result")
    run.add_argument("--quiet", action="store_true", help="no progress bars")
    book = sub.add_parser("book", help="execute every notebook with papermill, then build the HTML report")
    book.add_argument("--mode", choices=MODES, default="paper")
    book.add_argument(
        "--profile",
        choices=list(PROFILES),
        default="paper",
        help="; ".join(f"{p.name}: {p.description}" for p in PROFILES.values()),
    )
    book.add_argument("--seeds", type=_seeds, help="comma-separated seeds (default: the profile's)")
    book.add_argument("--device", default="auto")
    book.add_argument(
        "--recompute",
        action="store_true",
        help="compute the paper profile into the results folder (default results/) instead of "
        "building from the published results; what is saved there is reused",
    )
    book.add_argument(
        "--results-dir",
        help="where results are computed and saved (what is missing is computed); "
        "default: published/, read only, for the paper profile without "
        "--recompute, else results/",
    )
    book.add_argument("--no-build", action="store_true", help="execute the notebooks but do not run jupyter-book")
    book.add_argument("--strict", action="store_true", help="treat Sphinx warnings as errors (-W)")
    bench = sub.add_parser(
        "bench", help="time our training against the machine's matmul rate and the authors' pipeline"
    )
    bench.add_argument("--device", default="auto")
    bench.add_argument(
        "--out", default="results", help="results folder; the table goes to <out>/bench/ (default: results)"
    )
    for name, (_, what) in COMMANDS.items():
        sub.add_parser(name, help=what, add_help=False)  # listed here; ``main`` hands its arguments on
    return parser


def _bench(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .bench import BenchConfig, run_bench, save_bench

    try:
        pick_device(args.device)
        check_writable(args.out)
    except ValueError as exc:
        parser.error(str(exc))
    table = run_bench(BenchConfig(device=args.device))
    path = save_bench(Store(args.out), table)
    busy = table["timings trustworthy"].startswith("no")
    if busy:
        print(f"bench: NOT this code's speed: the machine was busy ({table['timings trustworthy']})", file=sys.stderr)
    width = max(map(len, table))
    for key, value in table.items():
        shown = "n/a" if value is None else f"{value:.3g}" if isinstance(value, float) else value
        print(f"{key:<{width}}  {shown}")
    print(f"saved: {path}" + (" (flagged as measured on a busy machine)" if busy else ""))
    return 3 if busy else 0


def _seeds(text: str) -> tuple[int, ...]:
    try:
        seeds = tuple(_non_negative_int(s) for s in text.split(","))
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers >= 0, got {text!r}") from None
    return seeds


def book_source(profile: str, results_dir: str | None, recompute: bool) -> tuple[str, bool]:
    """The results folder of a build and whether it is read only: the published results for the
    `paper` profile unless told to compute (``--recompute``, a ``--results-dir``); the other
    profiles' results are never published, so they are computed into ``results/``."""
    if results_dir is not None:
        return results_dir, False
    if recompute or profile != "paper":
        return "results", False
    return str(PUBLISHED), True


def book_command(
    mode: str, profile: str, seeds: Sequence[int] | None, device: str, results_dir: str | Path, recompute: bool = False
) -> str:
    """The report command, run from the repository root, that builds a book with these parameters
    again (``book``'s options, defaults left out; ``book_source`` turns it back into the same
    results folder). ``recompute``: a build from the published results computes them instead,
    into ``results/``."""
    args = ["bash", "tools/report.sh"]
    args += ["--mode", mode] if mode != "paper" else []
    args += ["--profile", profile] if profile != "paper" else []
    if seeds is not None and tuple(seeds) != PROFILES[profile].seeds:
        args += ["--seeds", ",".join(map(str, seeds))]
    args += ["--device", device] if device != "auto" else []
    folder = Path(results_dir).resolve()
    if is_published(folder):
        args += ["--recompute"] if recompute else []
    elif profile == "paper" or folder != REPO / "results":  # results/ is the other profiles' default
        shown = folder.relative_to(REPO) if folder.is_relative_to(REPO) else folder
        args += ["--results-dir", str(shown)]
    return shlex.join(args)


def _book(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .report.parameters import validate_parameters

    results_dir, read_only = book_source(args.profile, args.results_dir, args.recompute)
    try:
        validate_parameters(args.mode, args.profile, args.seeds, args.device, results_dir)
    except ValueError as exc:
        parser.error(str(exc))
    from .report.book import NotebookFailed, build_html, execute  # papermill and jupytext load only here

    try:
        execute(args.mode, args.profile, args.seeds, args.device, results_dir, read_only=read_only)
    except InUse as exc:
        parser.exit(2, f"{parser.prog}: error: {exc}\n")
    except (NotebookFailed, NotStored, InvalidRecord, DiskFull, DataError) as exc:
        parser.exit(1, f"{parser.prog}: error: {exc}\n")
    except KeyboardInterrupt:
        parser.exit(130, f"{parser.prog}: {INTERRUPTED}\n")
    if not args.no_build:
        index = build_html(warnings_as_errors=args.strict)
        print(f"report: {index}")
    return 0


def _attached(argv: Sequence[str], options: tuple[str, ...] = ("--lambdas",)) -> list[str]:
    """``--lambdas -1,0,0,0`` as ``--lambdas=-1,0,0,0``: argparse takes a value that starts with "-"
    (and is no plain number) for an option, so a negative lambda would never reach the lambda rule."""
    out: list[str] = []
    for arg in argv:
        if out and out[-1] in options and arg.startswith("-") and not arg.startswith("--"):
            out[-1] = f"{out[-1]}={arg}"
        else:
            out.append(arg)
    return out


def accuracy_line(result: dict) -> str:
    """A run's accuracy as Table I reads it, naming the epoch, and its last epoch's where it trained longer."""
    read = result["metric_epochs"]["val_acc"]
    line = f"validation accuracy {result['val_acc']:.4f} after epoch {read} (Table I's reading)"
    last = result["history"][-1]
    if last["epoch"] > read:
        line += f"; after its last epoch, {last['epoch']}: {last['val_acc']:.4f}"
    return line


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in COMMANDS:
        module = importlib.import_module(f".commands.{COMMANDS[argv[0]][0]}", __package__)
        return module.main(argv[1:]) or 0
    parser = build_parser()
    args = parser.parse_args(_attached(argv))
    if args.command == "book":
        return _book(args, parser)
    if args.command == "bench":
        return _bench(args, parser)
    changes = dict(args.settings)
    if "seed" in changes:
        parser.error("set the seed with --seed or --seeds, not --set seed=...")
    if args.epochs is not None:
        changes["student.epochs"] = args.epochs
    seeds = args.seeds or (args.seed,)
    try:
        if len(set(seeds)) != len(seeds):
            raise ValueError(f"--seeds repeats a seed: {','.join(map(str, seeds))}")
        cfgs = [
            override(
                ExperimentConfig(
                    method=args.method, seed=seed, mode=args.mode, lambdas=args.lambdas, teachers=args.teachers
                ),
                changes,
            )
            for seed in seeds
        ]
        pick_device(args.device)
        check_writable(args.out)
    except (ValueError, TypeError) as exc:
        parser.error(str(exc))
    try:
        results = get_or_run_seeds(cfgs, Store(args.out), device=args.device, progress=not args.quiet, force=args.force)
    except (DiskFull, DataError, TrainingDiverged, FileNotFoundError) as exc:
        parser.exit(1, f"{parser.prog}: error: {exc}\n")
    except KeyboardInterrupt:
        parser.exit(130, f"{parser.prog}: {INTERRUPTED}\n")
    for cfg, result in zip(cfgs, results):
        where = result.get("path") or "(cached) " + str(Store(args.out).path("runs", cfg.run_name, cfg))
        print(f"{cfg.run_name}: {accuracy_line(result)}")
        # A grid may be empty (``--set attack.noise_eps=[]`` skips the weight-noise curve).
        print(
            "  "
            + "; ".join(
                f"{name} eps={result[key]['eps'][-1]}: {result[key]['acc'][-1]:.4f}"
                for name, key in (("FGSM", "fgsm"), ("weight noise", "weight_noise"))
                if result[key]["eps"]
            )
        )
        print(f"  wall time {result['wall_time_s']:.1f} s; result: {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The lambda search: Optuna TPE over lambda in [0, 1], maximising mean FGSM accuracy over the seeds."""

from __future__ import annotations

import json
import logging
import warnings
from dataclasses import dataclass
from typing import Any, Sequence

import optuna
import sqlalchemy.exc
from optuna.trial import TrialState

from .config import check, config_hash, override
from .environment import pick_device
from .experiment import ExperimentConfig, get_or_run_seeds
from .growth import METHODS
from .profiles import Profile
from .protocol import protocol_for
from .store import Store, atomic_write_json, hold
from .train import TrainingDiverged

# Each searched method and the lambdas its search tunes, as ``METHODS`` declares them.
SEARCHED = {name: m.searched for name, m in METHODS.items() if m.searched}
# TPE draws at random until this many trials are complete (Optuna's default, stated here so the
# pre-run below and the report use the number the sampler uses).
N_STARTUP = 10
# The most runs (trials x seeds) one pre-run stack trains at once, by device type. A stack is
# saved when it finishes, so an interruption loses the unfinished one. On a GPU a bigger stack
# is much cheaper per run; on the CPU a stack of 20 costs per run what one of 50 does (measured:
# a D2 epoch per seed, 2 cores) and loses a fifth of full Anti-Distillation's pre-run at most.
PRERUN_MAX_RUNS = {"cpu": 20, "cuda": 100}


@dataclass(frozen=True)
class SearchConfig:
    """One lambda search: its method, trials, seeds, schedule and sampler, all from the profile
    (``SearchConfig.of`` makes it). The trial count is not part of its identity: asking for more
    trials extends the same study."""

    method: str
    mode: str
    profile: Profile
    seeds: tuple[int, ...]
    sampler_seed: int = 0

    @classmethod
    def of(cls, profile: Profile, method: str, mode: str, seeds: Sequence[int] | None = None) -> "SearchConfig":
        """The λ search of ``method`` under ``profile`` in ``mode``, over ``seeds`` (default the profile's)."""
        return cls(method, mode, profile, tuple(profile.seeds if seeds is None else seeds))

    def __post_init__(self) -> None:
        check(self.method in SEARCHED, f"only {', '.join(SEARCHED)} have searched lambdas, not {self.method!r}")

    @property
    def n_trials(self) -> int:
        """The profile's trial budget for this method."""
        return self.profile.trials(self.method)

    @property
    def search_seeds(self) -> tuple[int, ...]:
        n = self.profile.search_seeds
        return self.seeds if n is None else self.seeds[:n]

    def trial_config(self, seed: int, lambdas: tuple[float, ...]) -> ExperimentConfig:
        """A trial's run: the final runs' schedule, its pre-training cut to the protocol's
        ``trial_pretrain_epochs``. The authors' 30-epoch recordings were not used in their search
        (its objective read FGSM after 10 epochs), so the factor is off; the objective needs no
        weight-noise curve, so none is computed. With ``protocol.search_split == "validation"``
        a trial (its teacher included) trains without a validation split the size of the test
        split and is scored on it (``data.FashionMNIST.hold_out``)."""
        cfg = self.profile.config(self.method, seed, self.mode, lambdas)
        assert cfg.protocol is not None
        changes = {
            "protocol.recorded_epochs_factor": 1,
            "attack.noise_eps": (),
            "growth.pretrain.epochs": cfg.protocol.trial_pretrain_epochs(cfg.growth.pretrain.epochs),
        }
        if cfg.protocol.search_split == "validation":
            changes["data.validation"] = cfg.data.test_size
        return override(cfg, changes)

    @property
    def identity(self) -> dict[str, Any]:
        base = self.trial_config(
            self.search_seeds[0], tuple(1.0 if f"l{i}" in SEARCHED[self.method] else 0.0 for i in range(1, 5))
        )
        return {
            "method": self.method,
            "mode": self.mode,
            "seeds": list(self.search_seeds),
            "sampler_seed": self.sampler_seed,
            "trial_config": config_hash(base),
        }

    @property
    def study_name(self) -> str:
        return f"{self.mode}-{self.profile.name}-{self.method}-{config_hash(self.identity)}"


def sampler(cfg: SearchConfig, counted: int) -> optuna.samplers.TPESampler:
    """The sampler of the trial that follows ``counted`` counted trials: seeded from (sampler seed, count)."""
    return optuna.samplers.TPESampler(seed=cfg.sampler_seed * 100003 + counted, n_startup_trials=N_STARTUP)


def _suggest(trial: optuna.Trial, method: str) -> tuple[float, float, float, float]:
    return _lambdas_of({k: trial.suggest_float(k, 0.0, 1.0) for k in SEARCHED[method]})


def startup_lambdas(cfg: SearchConfig, counted: int) -> tuple[float, float, float, float]:
    """The lambdas of the trial after ``counted`` counted trials while fewer than ``N_STARTUP``
    are complete: TPE then draws at random from its seed alone, whatever the history."""
    study = optuna.create_study(direction="maximize", sampler=sampler(cfg, counted))
    return _suggest(study.ask(), cfg.method)


def _lambdas_of(params: dict[str, float]) -> tuple[float, float, float, float]:
    return tuple(float(params.get(k, 0.0)) for k in ("l1", "l2", "l3", "l4"))  # type: ignore[return-value]


def _storage(store: Store, cfg: SearchConfig) -> str:
    path = store.root / "studies" / f"{cfg.study_name}.db"
    if not path.is_file():  # a read-only store stops here, before SQLite creates the file
        store.computing(f"the λ search {cfg.study_name} (its study file)")
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path.resolve()}"


def _counted(study: optuna.Study) -> int:
    """Trials that count towards the sampler seed: the complete and the diverged ones."""
    # Counted positively: a trial interrupted at any point (in our code, in Optuna's, in a
    # database commit) may be stored FAIL, RUNNING or half-marked, but never COMPLETE or diverged.
    return sum(1 for t in study.trials if t.state == TrialState.COMPLETE or t.user_attrs.get("diverged"))


def _close_interrupted(study: optuna.Study) -> None:
    """A trial still RUNNING when we open the study was killed: mark it failed and interrupted,
    so it is sampled again (same seed, same history, same lambdas) and its saved runs reused."""
    for trial in study.get_trials(states=(TrialState.RUNNING,), deepcopy=False):
        study._storage.set_trial_user_attr(trial._trial_id, "interrupted", True)
        study._storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)


def run_search(
    cfg: SearchConfig, n_trials: int, store: Store, device: str | None = "auto", progress: bool = True
) -> optuna.Study:
    """Complete the study of ``cfg`` up to ``n_trials`` finished trials and return it.

    Each trial's runs are saved in the store (``search/``) as they finish and the study lives
    in an SQLite file under ``studies/``, so an interrupted search resumes where it stopped.
    The sampler of trial k is seeded from (sampler_seed, k): a resumed search draws the
    same lambdas as an uninterrupted one, however the process was stopped: only complete and
    diverged trials count (see ``_counted``). A lock admits one process per study to complete it,
    so a trial still running when the study is opened is one that was killed; a finished study is
    read without it.
    """
    check(n_trials >= 1, f"n_trials must be >= 1, got {n_trials}")
    optuna.logging.set_verbosity(logging.WARNING)
    storage = _storage(store, cfg)

    def objective(trial: optuna.Trial) -> float:
        lambdas = _suggest(trial, cfg.method)
        try:
            # All seeds of a trial train as one stack.
            results = get_or_run_seeds(
                [cfg.trial_config(seed, lambdas) for seed in cfg.search_seeds],
                store,
                device,
                progress=False,
                kind="search",
            )
        except TrainingDiverged:
            trial.set_user_attr("diverged", True)  # a finished trial: it counts towards the sampler seed
            raise
        scores = [result["fgsm"]["acc"][-1] for result in results]
        trial.set_user_attr("fgsm_per_seed", scores)
        trial.set_user_attr("lambdas", list(lambdas))
        return sum(scores) / len(scores)

    finished = _finished(cfg, n_trials, storage)
    if finished is not None:
        return finished
    with _locked(store, cfg):
        return _complete(cfg, n_trials, store, storage, objective, progress, device)


def _finished(cfg: SearchConfig, n_trials: int, storage: str) -> optuna.Study | None:
    """The study when it already holds ``n_trials`` complete trials, read without its lock: a
    finished study is only read (SQLite admits many readers), so the book's pages, executed side
    by side, share it; None when it is missing, unfinished or unreadable (``run_search`` then
    takes the lock and completes it, or says what is wrong)."""
    try:
        study = optuna.load_study(study_name=cfg.study_name, storage=storage)
    except (KeyError, sqlalchemy.exc.SQLAlchemyError):
        return None
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    return study if len(complete) >= n_trials else None


def _locked(store: Store, cfg: SearchConfig):
    """The study's lock, taken at once or not at all: two processes on one study corrupt it."""
    return hold(
        store.root / "studies" / f"{cfg.study_name}.lock",
        f"another process is using the study {cfg.study_name}",
        "wait for it to finish, or use another results folder",
    )


def _open(cfg: SearchConfig, store: Store, storage: str, sampler: optuna.samplers.BaseSampler | None = None):
    try:
        if sampler is None:
            return optuna.create_study(
                study_name=cfg.study_name, storage=storage, direction="maximize", load_if_exists=True
            )
        return optuna.load_study(study_name=cfg.study_name, storage=storage, sampler=sampler)
    except sqlalchemy.exc.SQLAlchemyError as exc:
        path = store.root / "studies" / f"{cfg.study_name}.db"
        raise RuntimeError(
            f"the study file {path} cannot be read ({getattr(exc, 'orig', None) or exc}); delete it "
            f"and run again: the runs of its trials are cached in {store.root / 'search'}, so the "
            "search draws the same lambdas and reuses them"
        ) from None


def _complete(
    cfg: SearchConfig, n_trials: int, store: Store, storage: str, objective, progress: bool, device: str | None = "auto"
) -> optuna.Study:
    prerun = True
    while True:
        study = _open(cfg, store, storage)
        _close_interrupted(study)
        done = len(study.get_trials(states=(TrialState.COMPLETE,)))
        if done >= n_trials:
            return study
        store.computing(f"{n_trials - done} of the {n_trials} trials of the λ search {cfg.study_name}")
        counted = _counted(study)
        if counted - done >= 3 * n_trials:
            raise TrainingDiverged(
                f"{cfg.study_name}: {counted - done} trials diverged before {n_trials} "
                "finished; narrow the lambda range or lower the learning rate"
            )
        if prerun:
            _prerun_startup(cfg, counted, min(n_trials, N_STARTUP) - done, store, device, progress)
            prerun = False
        study = _open(cfg, store, storage, sampler(cfg, counted))
        if progress:
            print(f"{cfg.method}: trial {counted + 1} ({done}/{n_trials} complete)", flush=True)
        study.optimize(objective, n_trials=1, catch=(TrainingDiverged,))


def _prerun_startup(cfg: SearchConfig, counted: int, n: int, store: Store, device: str | None, progress: bool) -> None:
    """Train the runs of the next ``n`` random (start-up) trials ahead, many trials in one stack,
    and save them where the trials will look: the trials then find them done. Their lambdas are
    known in advance (``startup_lambdas``; a diverged trial counts, so the numbering holds); a
    stack that diverges is dropped and its trials run one by one as usual, so the search is the
    sequential one."""
    n_seeds = len(cfg.search_seeds)
    configs = [
        cfg.trial_config(seed, startup_lambdas(cfg, counted + k)) for k in range(max(n, 0)) for seed in cfg.search_seeds
    ]
    if len(configs) <= n_seeds:
        return  # one trial or none: nothing to share
    per_stack = max(PRERUN_MAX_RUNS[pick_device(device).type] // n_seeds, 1) * n_seeds
    for start in range(0, len(configs), per_stack):
        chunk = configs[start : start + per_stack]
        if progress:
            first = counted + 1 + start // n_seeds
            print(f"{cfg.method}: training trials {first}-{first + len(chunk) // n_seeds - 1} as one stack", flush=True)
        try:
            get_or_run_seeds(chunk, store, device, progress=progress, kind="search")
        except TrainingDiverged:
            continue


# fANOVA takes about 0.4 s a call, and a build reads a study's summary wherever a page shows its
# λ (22 times in one smoke compute); its result is a function of the finished trials and the
# seed alone, so each process computes it once for them.
_IMPORTANCES: dict[tuple, tuple[float, float, float, float]] = {}


def importance_lambdas(study: optuna.Study, seed: int = 0) -> tuple[float, float, float, float]:
    """Optuna's parameter importances (fANOVA, seeded) taken as lambda1, lambda2, ... in order of
    importance, most important first: what the authors' final full Anti-Distillation run used
    (their ``lambdas = [value for _, value in best_params.items()]``). None with one trial,
    where no importance can be computed."""
    complete = study.get_trials(states=(TrialState.COMPLETE,))
    if len(complete) < 2:
        return None  # type: ignore[return-value]
    key = (
        seed,
        str(study.direction),
        tuple(
            (t.number, t.value, tuple(sorted(t.params.items())), tuple(sorted(map(repr, t.distributions.items()))))
            for t in complete
        ),
    )
    if key not in _IMPORTANCES:
        evaluator = optuna.importance.FanovaImportanceEvaluator(seed=seed)
        values = list(optuna.importance.get_param_importances(study, evaluator=evaluator).values())
        _IMPORTANCES[key] = tuple(float(v) for v in values) + (0.0,) * (4 - len(values))  # type: ignore[assignment]
    return _IMPORTANCES[key]


def uses_importance(cfg: SearchConfig) -> bool:
    """The one rule: only the full Anti-Distillation took importances as lambdas, in the authors' protocol."""
    return cfg.method == "antidistill" and protocol_for(cfg.mode).lambdas_from_importance


def search_summary(
    cfg: SearchConfig, n_trials: int, store: Store, device: str | None = "auto", progress: bool = True
) -> dict[str, Any]:
    """The search's ``summary`` (running it first if it is not complete), with both choices of
    lambdas; also written to ``studies/<study>.json`` (atomically, where it changes), for the report."""
    study = run_search(cfg, n_trials, store, device, progress)
    info = summary(study, cfg)
    path = store.root / "studies" / f"{cfg.study_name}.json"
    # Rewritten only when it changes: a build from published results leaves their files alone.
    if not path.exists() or json.loads(path.read_text()) != json.loads(json.dumps(info)):
        atomic_write_json(path, info)
    return info


def best_lambdas(
    cfg: SearchConfig, n_trials: int, store: Store, device: str | None = "auto", progress: bool = True
) -> tuple[float, float, float, float]:
    """The lambdas the final runs use (running the search first if it is not complete): the best
    finished trial's, or the importance-ordered ones where ``uses_importance`` (falling back to
    the best trial's, with a warning, when fewer than two trials finished)."""
    info = search_summary(cfg, n_trials, store, device, progress)
    if uses_importance(cfg):
        if info["importance_lambdas"] is not None:
            return tuple(info["importance_lambdas"])  # type: ignore[return-value]
        warnings.warn(
            f"{cfg.study_name}: one finished trial gives no parameter importances; using the best trial's lambdas",
            stacklevel=2,
        )
    return tuple(info["best_lambdas"])  # type: ignore[return-value]


def summary(study: optuna.Study, cfg: SearchConfig) -> dict[str, Any]:
    trials = [
        {
            "number": t.number,
            "state": t.state.name,
            "value": t.value,
            "lambdas": t.user_attrs.get("lambdas"),
            "fgsm_per_seed": t.user_attrs.get("fgsm_per_seed"),
        }
        for t in study.trials
    ]
    by_importance = importance_lambdas(study, cfg.sampler_seed)
    return {
        "study": cfg.study_name,
        "identity": cfg.identity,
        "trials": trials,
        "best_lambdas": list(_lambdas_of(study.best_trial.params)),
        "best_value": study.best_value,
        "importance_lambdas": None if by_importance is None else list(by_importance),
        "final_lambdas_from": "importance" if uses_importance(cfg) and by_importance else "best_trial",
    }

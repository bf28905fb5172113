"""The schema of a saved run, search trial or teacher record: what a stored file must hold before its numbers are used."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .config import config_hash

# pydantic checks types and ranges (it is already how `--set` values are parsed); strict, so a
# string or a bool is never read as a number; NaN and infinities are refused everywhere.
_STRICT = ConfigDict(strict=True, allow_inf_nan=False, extra="allow")
Accuracy = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Count = Annotated[int, Field(ge=0)]


class EpochRow(BaseModel):
    """One row of a training history: row 0 before training, then one per epoch."""

    model_config = _STRICT
    epoch: Count
    val_acc: Accuracy
    val_loss: NonNegative


class Curve(BaseModel):
    """Accuracy at each ε of a grid."""

    model_config = _STRICT
    eps: list[float]
    acc: list[Accuracy]

    @model_validator(mode="after")
    def _one_accuracy_per_eps(self) -> "Curve":
        if len(self.acc) != len(self.eps):
            raise ValueError(f"{len(self.acc)} accuracies for {len(self.eps)} eps")
        return self


class NoiseCurve(Curve):
    """The weight-noise curve: also the Monte-Carlo standard error and the draws per ε (None
    where the protocol makes one pass, as the authors' did)."""

    se: list[NonNegative | None]
    draws: list[Count | None]

    @model_validator(mode="after")
    def _one_se_and_count_per_eps(self) -> "NoiseCurve":
        if not len(self.se) == len(self.draws) == len(self.eps):
            raise ValueError(
                f"{len(self.se)} standard errors and {len(self.draws)} draw counts for {len(self.eps)} eps"
            )
        return self


class _Saved(BaseModel):
    model_config = _STRICT
    config: dict[str, Any]
    results_version: Count
    seed: Count
    val_acc: Accuracy
    history: list[EpochRow] = Field(min_length=1)
    wall_time_s: NonNegative
    cpu_time_s: NonNegative | None = None  # absent from results computed before it was recorded

    @model_validator(mode="after")
    def _seed_is_the_configs(self) -> "_Saved":
        if self.config.get("seed") != self.seed:
            raise ValueError(f"seed {self.seed} is not its config's ({self.config.get('seed')!r})")
        return self


class TeacherRecord(_Saved):
    """A trained teacher's record (its weights are in the ``.pt`` beside it)."""


class RunRecord(_Saved):
    """One run (or one seed of a λ-search trial): everything a table or figure reads from it."""

    method: str
    mode: str
    config_hash: str
    metric_epochs: dict[str, Count]
    pretrain_history: list[dict[str, Any]] | None
    fgsm: Curve
    weight_noise: NoiseCurve

    @model_validator(mode="after")
    def _consistent(self) -> "RunRecord":
        cfg = self.config
        if config_hash(cfg) != self.config_hash:
            raise ValueError(f"config_hash {self.config_hash} is not its config's ({config_hash(cfg)})")
        for key in ("method", "mode"):
            if cfg.get(key) != getattr(self, key):
                raise ValueError(f"{key} {getattr(self, key)!r} is not its config's ({cfg.get(key)!r})")
        base = (cfg.get("protocol") or {}).get("base")
        if base != self.mode:
            raise ValueError(f"mode {self.mode!r} but its protocol holds {base!r} mode's switches")
        attack = cfg.get("attack") or {}
        if self.fgsm.eps != attack.get("fgsm_eps") or self.weight_noise.eps != attack.get("noise_eps"):
            raise ValueError("its curves' eps are not its config's grids")
        read_at = self.metric_epochs.get("val_acc")
        if read_at is None or read_at >= len(self.history) or self.history[read_at].val_acc != self.val_acc:
            raise ValueError(f"val_acc {self.val_acc} is not its history's at epoch {read_at}")
        return self


SCHEMAS: dict[str, type[_Saved]] = {"runs": RunRecord, "search": RunRecord, "teachers": TeacherRecord}


def problem(kind: str, record: dict[str, Any]) -> str | None:
    """Why ``record`` (a stored file of ``kind``) cannot be trusted, in one line, or None."""
    schema = SCHEMAS.get(kind)
    if schema is None:
        return None
    try:
        schema.model_validate(record)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "record"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        return f"{where}: {first['msg']}{more}"
    return None

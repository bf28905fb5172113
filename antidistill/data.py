"""Fashion-MNIST from its original idx files (or scikit-learn's 8x8 digits, the second data set), validated and held in memory as tensors; D1 and D2."""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch

from .config import added_field

N_CLASSES = 10
C1 = tuple(range(5))  # the teacher's classes (D1); D2 uses all 10
CLASS_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
SYSTEM_DIR = Path("/usr/share/datasets/fashion-mnist")
FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
SIZES = {"train": 60000, "test": 10000}
FIX = (
    "Install it with `sudo apt-get install dataset-fashion-mnist` (Debian/Ubuntu), or put the four "
    "Fashion-MNIST idx files (.gz or plain) in a folder and set ANTIDISTILL_DATA to it."
)


class DataError(RuntimeError):
    """Fashion-MNIST is missing or does not look like Fashion-MNIST."""


def take(t: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
    """The rows of ``t`` at ``idx`` (any shape, e.g. [S, B] per-seed batches): ``t[idx]``, by
    ``index_select`` on a flat index, which copies whole rows (advanced indexing takes a slower
    general path on the CPU)."""
    return t.index_select(0, idx.reshape(-1)).view(*idx.shape, *t.shape[1:])


@dataclass(frozen=True)
class Split:
    """Images ``x`` (float32, N x 28 x 28, in [0, 1]) and labels ``y`` (int64, N)."""

    x: torch.Tensor
    y: torch.Tensor

    def __len__(self) -> int:
        return int(self.y.shape[0])

    def to(self, device: torch.device | str) -> "Split":
        return Split(self.x.to(device), self.y.to(device))

    def double(self) -> "Split":
        return Split(self.x.double(), self.y)

    def head(self, n: int | None) -> "Split":
        """The first ``n`` samples (all when ``n`` is None); the shipped order is already shuffled."""
        return self if n is None else Split(self.x[:n], self.y[:n])

    def only(self, classes: tuple[int, ...]) -> "Split":
        keep = torch.isin(self.y, torch.tensor(classes, device=self.y.device))
        return Split(self.x[keep], self.y[keep])


@dataclass(frozen=True)
class FashionMNIST:
    """The shipped train/test splits; the test split is the paper's validation set."""

    train: Split
    test: Split
    source: str

    @property
    def n_inputs(self) -> int:
        """Inputs per image (784 for Fashion-MNIST, 64 for the digits): the networks' first width."""
        return int(self.train.x[0].numel())

    def d1(self) -> "FashionMNIST":
        """Classes 0-4 only, the teacher's data set."""
        return FashionMNIST(self.train.only(C1), self.test.only(C1), self.source)

    def to(self, device: torch.device | str) -> "FashionMNIST":
        return FashionMNIST(self.train.to(device), self.test.to(device), self.source)

    def head(self, n_train: int | None, n_test: int | None = None) -> "FashionMNIST":
        return FashionMNIST(self.train.head(n_train), self.test.head(n_test), self.source)

    def hold_out(self, n: int) -> "FashionMNIST":
        """The training split without ``n`` held-out images, which become the test split: a
        validation set. Which images is fixed by ``VALIDATION_SEED`` alone (the same for every
        run, seed and mode); both parts keep the shipped order."""
        if not 1 <= n < len(self.train):
            raise ValueError(
                f"a validation split of {n} images needs a training split of more; this one has {len(self.train)}"
            )
        chosen = torch.zeros(len(self.train), dtype=torch.bool)
        chosen[torch.randperm(len(self.train), generator=torch.Generator().manual_seed(VALIDATION_SEED))[:n]] = True
        chosen = chosen.to(self.train.y.device)
        x, y = self.train.x, self.train.y
        return FashionMNIST(Split(x[~chosen], y[~chosen]), Split(x[chosen], y[chosen]), self.source)


DEFAULT_DATASET = "fashion-mnist"  # the paper's; configs name another with ``DataConfig.dataset``

# The validation split's images (``FashionMNIST.hold_out``): a permutation of the training
# split from this seed, its first n.
VALIDATION_SEED = 0


@dataclass(frozen=True)
class DataConfig:
    """Which part of Fashion-MNIST a run uses: all of it by default, a head slice for smoke runs.
    ``validation``: hold this many training images out and report on them instead of the test
    split (the λ search's trials in `paper` mode, ``Protocol.search_split``)."""

    n_train: int | None = None
    n_test: int | None = None
    validation: int | None = None
    # Which data set (``DATASETS``): Fashion-MNIST, the paper's, or the second data set.
    dataset: str = added_field(DEFAULT_DATASET)

    def __post_init__(self) -> None:
        for name in ("n_train", "n_test", "validation"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ValueError(f"{name} must be None (all) or an integer >= 1, got {value!r}")
        if self.dataset not in DATASETS:
            raise ValueError(f"dataset must be one of {', '.join(DATASETS)}; got {self.dataset!r}")

    @property
    def tag(self) -> str:
        """What a result's file name adds for this data set: nothing for Fashion-MNIST."""
        return "" if self.dataset == DEFAULT_DATASET else f"-{self.dataset}"

    @property
    def test_size(self) -> int:
        """Images in the test split this config uses."""
        whole = len(self.load().test)
        return whole if self.n_test is None else min(self.n_test, whole)

    def load(self) -> FashionMNIST:
        """The whole of this config's data set, on the CPU (``apply`` then takes its part)."""
        return load_dataset(self.dataset)

    def apply(self, data: FashionMNIST) -> FashionMNIST:
        data = data.head(self.n_train, self.n_test)
        return data if self.validation is None else data.hold_out(self.validation)


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "antidistill" / "fashion-mnist"


def search_dirs() -> list[Path]:
    """Where the idx files are looked for, in order."""
    dirs = []
    if os.environ.get("ANTIDISTILL_DATA"):
        dirs.append(Path(os.environ["ANTIDISTILL_DATA"]))
    dirs += [SYSTEM_DIR, cache_dir(), cache_dir() / "FashionMNIST" / "raw"]
    return dirs


def _find(folder: Path, stem: str) -> Path | None:
    for name in (stem + ".gz", stem):
        if (folder / name).is_file():
            return folder / name
    return None


def _read_idx(path: Path, magic: int, shape: tuple[int, ...]) -> torch.Tensor:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            raw = fh.read()
    except (OSError, EOFError, zlib.error) as exc:  # a damaged .gz raises any of these
        raise DataError(f"cannot read {path}: {exc}. {FIX}") from exc
    ndim = len(shape)
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path} is truncated ({len(raw)} bytes). {FIX}")
    found_magic, *dims = struct.unpack(f">{1 + ndim}I", raw[:header])
    if found_magic != magic or tuple(dims) != shape:
        raise DataError(
            f"{path} has magic {found_magic} and shape {tuple(dims)}; expected magic {magic} and shape {shape}. {FIX}"
        )
    body = raw[header:]
    expected = 1
    for d in shape:
        expected *= d
    if len(body) != expected:
        raise DataError(f"{path} holds {len(body)} values, expected {expected}. {FIX}")
    return torch.frombuffer(bytearray(body), dtype=torch.uint8).reshape(shape)


def read_folder(folder: Path) -> FashionMNIST:
    """Read and validate the four idx files in ``folder``."""
    paths = {key: _find(folder, stem) for key, stem in FILES.items()}
    missing = [FILES[k] for k, p in paths.items() if p is None]
    if missing:
        raise DataError(f"{folder} lacks {', '.join(missing)}. {FIX}")
    splits = {}
    for split, n in SIZES.items():
        images = _read_idx(paths[f"{split}_images"], 2051, (n, 28, 28))
        labels = _read_idx(paths[f"{split}_labels"], 2049, (n,)).long()
        if labels.max() >= N_CLASSES:
            raise DataError(f"{paths[f'{split}_labels']} has labels outside 0-9. {FIX}")
        # No normalisation: pixels in [0, 1], as the authors fed them.
        splits[split] = Split(images.float().div_(255.0), labels)
    return FashionMNIST(splits["train"], splits["test"], str(folder))


def _download(root: Path) -> bool:
    """torchvision's download into ``root/FashionMNIST/raw``; False when it is unavailable (offline)."""
    try:
        from torchvision.datasets import FashionMNIST as TVFashionMNIST

        TVFashionMNIST(root=str(root), download=True)
    except Exception:  # noqa: BLE001 - any failure means "not available here"
        return False
    return True


@lru_cache(maxsize=4)
def _load(dirs: tuple[Path, ...], allow_download: bool) -> FashionMNIST:
    for folder in dirs:
        if folder.is_dir() and any(_find(folder, s) for s in FILES.values()):
            return read_folder(folder)
    if allow_download:
        if _download(cache_dir()):
            return read_folder(cache_dir() / "FashionMNIST" / "raw")
    searched = "\n  ".join(str(d) for d in dirs)
    raise DataError(f"Fashion-MNIST not found. Searched:\n  {searched}\n{FIX}")


def load_fashion_mnist(allow_download: bool = True) -> FashionMNIST:
    """The whole of Fashion-MNIST on the CPU, read once per process.

    Looks in $ANTIDISTILL_DATA, then /usr/share/datasets/fashion-mnist, then the
    user cache; as a last resort downloads with torchvision into the cache.
    """
    return _load(tuple(search_dirs()), allow_download)


# scikit-learn's 8x8 handwritten digits (1797 images, 10 classes, pixel values 0-16), the second
# data set: every class split by this share into the test split, fixed by DIGITS_SEED, and both
# splits shuffled, so that a head slice holds every class as Fashion-MNIST's shipped order does.
DIGITS_TEST_SHARE, DIGITS_SEED = 0.3, 0


@lru_cache(maxsize=1)
def load_digits() -> FashionMNIST:
    """scikit-learn's digits, scaled to [0, 1], split by class into train and test (``DIGITS_TEST_SHARE``
    of each class in the test split); ships with scikit-learn, so it loads offline."""
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError as exc:
        raise DataError("the digits data set ships with scikit-learn: pip install scikit-learn") from exc
    digits = sklearn_digits()
    x = torch.tensor(digits.images, dtype=torch.float32).div_(16.0)
    y = torch.tensor(digits.target, dtype=torch.long)
    generator = torch.Generator().manual_seed(DIGITS_SEED)
    train, test = [], []
    for c in range(N_CLASSES):
        members = torch.nonzero(y == c).flatten()
        members = members[torch.randperm(len(members), generator=generator)]
        n_test = round(DIGITS_TEST_SHARE * len(members))
        test.append(members[:n_test])
        train.append(members[n_test:])
    splits = []
    for parts in (train, test):
        index = torch.cat(parts)
        index = index[torch.randperm(len(index), generator=generator)]
        splits.append(Split(x[index], y[index]))
    return FashionMNIST(splits[0], splits[1], "scikit-learn digits")


def load_dataset(name: str) -> FashionMNIST:
    """A data set by its ``DataConfig.dataset`` name."""
    return DATASETS[name]()


DATASETS = {DEFAULT_DATASET: load_fashion_mnist, "digits": load_digits}

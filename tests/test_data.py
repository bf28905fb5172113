"""Fashion-MNIST is read, validated and split into D1/D2 as the paper describes."""

from __future__ import annotations

import gzip
import shutil

import pytest
import torch

from antidistill import data as data_mod
from antidistill.data import C1, DataConfig, DataError, read_folder


def test_sizes_labels_and_pixels(fashion):
    assert fashion.train.x.shape == (60000, 28, 28) and fashion.test.x.shape == (10000, 28, 28)
    assert fashion.train.x.dtype == torch.float32
    assert float(fashion.train.x.min()) == 0.0 and float(fashion.train.x.max()) == 1.0
    assert set(fashion.train.y.unique().tolist()) == set(range(10))
    assert fashion.train.y.bincount().tolist() == [6000] * 10


def test_d1_is_classes_0_to_4(fashion):
    d1 = fashion.d1()
    assert len(d1.train) == 30000 and len(d1.test) == 5000
    assert set(d1.train.y.unique().tolist()) == set(C1) == set(d1.test.y.unique().tolist())


def test_data_config_takes_a_head_slice(fashion):
    small = DataConfig(n_train=100, n_test=50).apply(fashion)
    assert len(small.train) == 100 and len(small.test) == 50
    assert torch.equal(small.train.x, fashion.train.x[:100])
    with pytest.raises(ValueError, match="n_train"):
        DataConfig(n_train=0)


def test_a_validation_split_is_held_out_of_the_training_set(fashion):
    """Fixed images (VALIDATION_SEED), never trained on, the shipped order kept in both parts."""
    held = DataConfig(validation=10000).apply(fashion)
    assert len(held.train) == 50000 and len(held.test) == 10000
    again = DataConfig(validation=10000).apply(fashion)
    assert torch.equal(held.test.x, again.test.x) and torch.equal(held.train.y, again.train.y)
    seen = {bytes(x.numpy()) for x in held.train.x[:5000]}
    assert not seen & {bytes(x.numpy()) for x in held.test.x}
    assert torch.equal(torch.cat([held.train.y, held.test.y]).bincount(), fashion.train.y.bincount())
    # Every class is represented about evenly (a random tenth of 60000 per class is 1000 +- 30).
    assert held.test.y.bincount().min() > 900
    with pytest.raises(ValueError, match="needs a training split of more"):
        DataConfig(n_train=100, validation=100).apply(fashion)


def _copy_dataset(src, dst):
    for stem in data_mod.FILES.values():
        shutil.copy(src / f"{stem}.gz", dst / f"{stem}.gz")


def test_corrupt_file_is_a_clear_error(tmp_path, fashion):
    _copy_dataset(data_mod.Path(fashion.source), tmp_path)
    with gzip.open(tmp_path / "t10k-labels-idx1-ubyte.gz", "wb") as fh:
        fh.write(b"\x00\x00\x08\x01" + (9999).to_bytes(4, "big") + bytes(9999))
    with pytest.raises(DataError, match=r"t10k-labels.*expected magic 2049.*dataset-fashion-mnist"):
        read_folder(tmp_path)


def test_missing_data_names_the_searched_paths(tmp_path, monkeypatch):
    monkeypatch.setenv("ANTIDISTILL_DATA", str(tmp_path / "nowhere"))
    monkeypatch.setattr(data_mod, "SYSTEM_DIR", tmp_path / "system")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(DataError) as info:
        data_mod.load_fashion_mnist(allow_download=False)
    message = str(info.value)
    assert str(tmp_path / "nowhere") in message and str(tmp_path / "system") in message
    assert "apt-get install dataset-fashion-mnist" in message


def test_env_folder_is_searched_first(tmp_path, monkeypatch, fashion):
    _copy_dataset(data_mod.Path(fashion.source), tmp_path)
    monkeypatch.setenv("ANTIDISTILL_DATA", str(tmp_path))
    assert data_mod.load_fashion_mnist(allow_download=False).source == str(tmp_path)


def test_a_damaged_gzip_stream_is_a_data_error(tmp_path, fashion):
    """A corrupted deflate stream raises zlib.error inside gzip; it must name the file and the fix."""
    import gzip

    from antidistill.data import SYSTEM_DIR, DataError, _read_idx

    good = gzip.compress(b"\x00\x00\x08\x01" + (10).to_bytes(4, "big") + bytes(10))
    damaged = good[:12] + bytes(b ^ 0xFF for b in good[12:-8]) + good[-8:]
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(damaged)
    with pytest.raises(DataError, match="cannot read .*t10k-labels-idx1-ubyte.gz.*apt-get install"):
        _read_idx(path, 2049, (10,))
    assert SYSTEM_DIR.name == "fashion-mnist"


def test_take_is_advanced_indexing(fashion):
    idx = torch.randint(0, 1000, (3, 17), generator=torch.Generator().manual_seed(0))
    assert torch.equal(data_mod.take(fashion.train.x, idx), fashion.train.x[idx])
    assert torch.equal(data_mod.take(fashion.train.y, idx), fashion.train.y[idx])
    assert torch.equal(data_mod.take(fashion.test.x, idx[0]), fashion.test.x[idx[0]])


def test_the_digits_are_split_by_class_the_same_every_time():
    """The second data set: every digit's images split 70/30 into train and test (each image in
    exactly one), pixels in [0, 1], 64 inputs, the same split on every load, and a head slice
    holding every class (both splits are shuffled)."""
    from sklearn.datasets import load_digits as sklearn_digits

    digits = data_mod.load_digits()
    assert digits.n_inputs == 64 and digits.train.x.shape[1:] == (8, 8)
    assert len(digits.train) + len(digits.test) == 1797
    raw = torch.tensor(sklearn_digits().images, dtype=torch.float32) / 16
    both = torch.cat([digits.train.x, digits.test.x]).flatten(1)
    assert torch.equal(both.unique(dim=0), raw.flatten(1).unique(dim=0))  # every image, once, as shipped / 16
    for c in range(10):
        n_train, n_test = int((digits.train.y == c).sum()), int((digits.test.y == c).sum())
        assert n_test == round(data_mod.DIGITS_TEST_SHARE * (n_train + n_test))
    assert 0 <= float(digits.train.x.min()) and float(digits.train.x.max()) == 1.0
    assert set(digits.train.y[:50].tolist()) == set(range(10))
    data_mod.load_digits.cache_clear()
    again = data_mod.load_digits()
    assert torch.equal(again.train.x, digits.train.x) and torch.equal(again.test.y, digits.test.y)
    assert set(digits.d1().train.y.unique().tolist()) == set(C1)


def test_a_config_names_its_data_set():
    assert DataConfig().load() is data_mod.load_fashion_mnist()
    assert DataConfig(dataset="digits").load().n_inputs == 64
    assert DataConfig(dataset="digits").test_size == len(data_mod.load_digits().test)
    assert DataConfig(n_test=100, dataset="digits").test_size == 100
    assert DataConfig(n_test=5000, dataset="digits").test_size == len(data_mod.load_digits().test)
    with pytest.raises(ValueError, match="dataset must be one of fashion-mnist, digits"):
        DataConfig(dataset="mnist")

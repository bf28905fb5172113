"""A student epoch as the authors' pipeline runs it (DataLoader, per-sample transforms and masks), to compare speeds."""

from __future__ import annotations

import time

import torch
from torch import nn

from ..data import FashionMNIST, Split
from ..experiment import STUDENT_TRAIN
from ..models import student_model
from .timings import _sync


class _PerSampleImages(torch.utils.data.Dataset):
    """What torchvision's FashionMNIST hands a DataLoader: one PIL image per sample, ToTensor'd."""

    def __init__(self, split: Split) -> None:
        from torchvision import transforms

        self.images = (split.x * 255).round().to(torch.uint8).numpy()
        self.labels = split.y.tolist()
        self.to_tensor = transforms.ToTensor()

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int):
        from PIL import Image

        return self.to_tensor(Image.fromarray(self.images[i], mode="L")), self.labels[i]


def authors_style_epoch(data: FashionMNIST, device: torch.device, n_batches: int) -> tuple[float, dict[str, float]]:
    """A student epoch the way the authors' pipeline runs it, extrapolated from ``n_batches``.

    Their loop: a torchvision dataset through a DataLoader (2 workers, per-sample ToTensor), a
    per-sample Python loop building the class mask, and every 50 batches a full evaluation pass
    over the training set. Same model (with their output ReLU) and optimiser as ours.
    """
    loader = torch.utils.data.DataLoader(
        _PerSampleImages(data.train), batch_size=STUDENT_TRAIN.batch_size, shuffle=False, num_workers=2
    )
    model = student_model(output_relu=True, generator=torch.Generator().manual_seed(0)).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=STUDENT_TRAIN.lr)
    mask = torch.ones(10, device=device)
    loss_fn = nn.CrossEntropyLoss()

    def evaluate() -> None:
        with torch.no_grad():
            for x, y in loader:
                x, y = x.to(device), y.to(device)
                keep = torch.as_tensor([bool(mask[e]) for e in y])
                (model(x) * mask)[keep].argmax(1)

    step_time, eval_time, evals = 0.0, 0.0, 0
    for batch, (x, y) in enumerate(loader):
        if batch == n_batches:
            break
        start = time.perf_counter()
        x, y = x.to(device), y.to(device)
        pred = model(x) * mask
        keep = torch.as_tensor([bool(mask[e]) for e in y])
        loss = loss_fn(pred[keep], y[keep])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss.item()  # their loop reads the loss every step
        _sync(device)
        step_time += time.perf_counter() - start
        if batch % 50 == 0:
            start = time.perf_counter()
            evaluate()
            eval_time += time.perf_counter() - start
            evals += 1
    steps = -(-len(data.train) // STUDENT_TRAIN.batch_size)
    per_step, per_eval = step_time / n_batches, eval_time / max(evals, 1)
    epoch = steps * per_step + -(-steps // 50) * per_eval
    return epoch, {"seconds per step": per_step, "seconds per evaluation pass": per_eval}

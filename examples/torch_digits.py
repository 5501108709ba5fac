"""A Bayesian (mean-field Gaussian) MLP on sklearn's digits, regularized by the Fisher-Rao penalty.

Every weight of a 64-32-10 network holds a normal belief N(mu, sigma^2) (mean and log-std tensors);
the forward pass samples the pre-activations with the local reparametrisation trick.  The loss is
the expected negative log-likelihood of the training set plus the Fisher-Rao penalty
``lambda/2 sum_w d_FR^2(q_w, N(0, 1))`` that pulls every weight's belief toward the prior (the
regularizer of the BEDS governing equation, here in place of the KL term of variational inference).

Two runs:

* ``adam``: everything with Adam; the penalty is ``beds.torch.normal.fisher_rao_penalty`` (an
  autograd function: its gradient comes from the compiled kernels, one fused pass);
* ``natural``: the (mean, log-std) pairs with ``beds.torch.GaussianNaturalGradient`` (the natural-
  gradient / Riemannian step of ``beds.GoverningEquation``, penalty included), the biases with Adam
  beside it.

Run:  python examples/torch_digits.py   (a few seconds on one core)
"""

from __future__ import annotations

import math
import time

import beds.torch as bt
import numpy as np
import torch
from sklearn.datasets import load_digits


class BayesLinear(torch.nn.Module):
    """A linear layer with a mean-field Gaussian belief per weight and a deterministic bias."""

    def __init__(self, n_in: int, n_out: int, generator: torch.Generator) -> None:
        super().__init__()
        self.mu = torch.nn.Parameter(torch.randn(n_in, n_out, generator=generator) / math.sqrt(n_in))
        self.log_std = torch.nn.Parameter(torch.full((n_in, n_out), -4.0))
        self.bias = torch.nn.Parameter(torch.zeros(n_out))

    def forward(self, x: torch.Tensor, noise: torch.Tensor | None) -> torch.Tensor:
        mean = x @ self.mu + self.bias
        if noise is None:
            return mean
        # local reparametrisation: the pre-activations are Gaussian given x
        std = torch.sqrt((x * x) @ torch.exp(2.0 * self.log_std) + 1e-12)
        return mean + std * noise[..., : mean.shape[-1]]

    def penalty(self, strength: float) -> torch.Tensor:
        return bt.normal.fisher_rao_penalty(self.mu, torch.exp(self.log_std), 0.0, 1.0, strength).sum()


class BayesMLP(torch.nn.Module):
    def __init__(self, seed: int) -> None:
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.l1 = BayesLinear(64, 32, g)
        self.l2 = BayesLinear(32, 10, g)

    def forward(self, x: torch.Tensor, noise: tuple[torch.Tensor, torch.Tensor] | None = None) -> torch.Tensor:
        h = torch.relu(self.l1(x, None if noise is None else noise[0]))
        return self.l2(h, None if noise is None else noise[1])

    def layers(self) -> list[BayesLinear]:
        return [self.l1, self.l2]


def _data(seed: int) -> tuple[torch.Tensor, ...]:
    x, y = load_digits(return_X_y=True)
    perm = np.random.default_rng(seed).permutation(len(y))
    x = torch.tensor(x[perm] / 16.0, dtype=torch.float32)
    y = torch.tensor(y[perm], dtype=torch.int64)
    return x[:1400], y[:1400], x[1400:], y[1400:]


def _accuracy(model: BayesMLP, x: torch.Tensor, y: torch.Tensor) -> float:
    with torch.no_grad():
        return float((model(x).argmax(-1) == y).float().mean())


def train(method: str, steps: int = 300, strength: float = 1.0, seed: int = 0) -> dict[str, float]:
    """Trains the Bayesian MLP with ``method`` ("adam" or "natural"); returns accuracies and costs."""
    torch.manual_seed(seed)
    xtr, ytr, xte, yte = _data(seed)
    n = len(ytr)
    model = BayesMLP(seed)
    g = torch.Generator().manual_seed(seed + 1)
    if method == "adam":
        opts = [torch.optim.Adam(model.parameters(), lr=1e-2)]
    elif method == "natural":
        pairs = [(layer.mu, layer.log_std) for layer in model.layers()]
        # loss = n * mean NLL (the data term of the ELBO), so the natural-gradient step is Newton-like
        ng = bt.GaussianNaturalGradient(pairs, lr=0.02, strength=strength, prior_mean=0.0, prior_std=1.0)
        opts = [ng, torch.optim.Adam([layer.bias for layer in model.layers()], lr=1e-2)]
    else:
        raise ValueError(f"method must be 'adam' or 'natural', got {method!r}")
    t0 = time.process_time()
    nll = float("nan")
    for _ in range(steps):
        for o in opts:
            o.zero_grad()
        noise = (torch.randn(n, 32, generator=g), torch.randn(n, 10, generator=g))
        nll_t = torch.nn.functional.cross_entropy(model(xtr, noise), ytr) * n
        loss = nll_t
        if method == "adam":  # the penalty as an autograd term (the natural run has it in its step)
            loss = loss + sum(layer.penalty(strength) for layer in model.layers())
        loss.backward()
        for o in opts:
            o.step()
        nll = float(nll_t.detach()) / n
    cpu = time.process_time() - t0
    with torch.no_grad():
        pen = float(sum(layer.penalty(1.0) for layer in model.layers()))
        mean_std = float(torch.cat([torch.exp(layer.log_std).flatten() for layer in model.layers()]).mean())
    return {
        "train_accuracy": _accuracy(model, xtr, ytr),
        "test_accuracy": _accuracy(model, xte, yte),
        "train_nll": nll,
        "penalty_half_d2": pen,
        "mean_std": mean_std,
        "cpu_seconds": cpu,
    }


def main(steps: int = 300, seed: int = 0, verbose: bool = True) -> dict[str, dict[str, float]]:
    torch.set_num_threads(1)
    out = {m: train(m, steps=steps, seed=seed) for m in ("adam", "natural")}
    if verbose:
        print(f"Bayesian MLP 64-32-10 on sklearn digits (1400 train / 397 test), {steps} full-batch steps")
        head = ("train acc", "test acc", "train NLL", "sum d^2/2", "mean std", "CPU s")
        print(f"{'method':<8} " + " ".join(f"{h:>{w}}" for h, w in zip(head, (9, 9, 10, 10, 9, 6))))
        for m, r in out.items():
            print(
                f"{m:<8} {r['train_accuracy']:>9.3f} {r['test_accuracy']:>9.3f} {r['train_nll']:>10.4f} "
                f"{r['penalty_half_d2']:>10.1f} {r['mean_std']:>9.4f} {r['cpu_seconds']:>6.2f}"
            )
    return out


if __name__ == "__main__":
    main()

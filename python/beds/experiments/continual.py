"""Continual learning on permuted digits with a mean-field Gaussian belief per weight.

The network (numpy only): 64 inputs -> 32 tanh units -> 10 softmax outputs, 2410 weights, each
with a Gaussian belief N(mu_i, sigma_i^2): the belief over the weights is a ``beds.DiagNormal``.
It is trained by variational inference with the reparametrisation trick (Bayes by backprop,
Blundell et al. 2015): at each minibatch step one weight sample ``w = mu + sigma * eps`` gives the
gradient of the expected negative log-likelihood with respect to mu and log sigma
(``g_mu = g_w``, ``g_log_sigma = g_w * eps * sigma``), Adam updates (mu, log sigma).  Why this scheme:
it trains mu and sigma by the data, so every penalty acts on a belief that the data shaped (a
Laplace scheme would fit sigma only after training, and the penalties that act on sigma, FR, KL
and the (mu, log sigma) Euclidean one, need sigma during training); it is the scheme of VCL
(Nguyen et al. 2018), which the KL penalty reproduces at strength 1.  Predictions use the mean
weights.

Tasks: sklearn's digits (8x8 images, 1797 samples, shipped with scikit-learn), five tasks, each a
fixed permutation of the 64 pixels (the first one the identity), one shared output head.  Task 1 is
trained by the ELBO with the prior N(0, 0.3^2) (identical for every penalty, per seed); from task 2
on the objective per sample is ``E_q[NLL] + R(q) / N`` with N the training-set size and R one of
the penalties, whose reference is the belief at the end of the previous task:

========== ============================================================= =========================
name       R(q)                                                          beds
========== ============================================================= =========================
none       0                                                             -
ridge      lam/2 |mu|^2 (weight decay, fixed reference 0)                GoverningEquation.ridge
ewc        lam/2 sum_i F_i (mu_i - mu*_i)^2, F summed over past tasks    GoverningEquation.ewc
online_ewc as EWC with F* <- 0.9 F* + F (Schwarz et al. 2018)             GoverningEquation.online_ewc
fisher_rao lam/2 d_FR^2(q, q_ref) (mean-field: sum over weights)         fisher_rao_penalty
kl         lam KL(q || q_ref) (VCL at lam = 1)                           kl_penalty
euclidean  lam/2 (|dmu|^2 + |d log sigma|^2)                             GoverningEquation(euclidean)
========== ============================================================= =========================

F is the diagonal empirical Fisher at the end of each task (per-sample gradients of the
log-likelihood at the mean weights, :func:`beds.empirical_fisher`).  Local stiffness in the mean
(the second derivative of R in mu_i at the reference): ridge lam, EWC lam F_i, FR and KL
lam / sigma_ref_i^2, Euclidean lam.  The strength sweep is laid out in stiffness: for every
penalty the strengths are chosen so that the mean stiffness over the weights at the start of task
2 equals ``s * mean(1 / sigma_ref^2)`` for s in the FR strengths (1e-2 .. 1e2), so that each
penalty's front spans the same range of average stiffness; the strengths themselves (which differ
by penalty and seed) are reported.

This module is longer than the project's 500-line guideline because it holds one experiment end to
end (a small variational network in numpy, seven penalties, the strength sweep and the matched
comparisons), which reads best in one place; about 480 of its lines are code, the rest
documentation.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import beds

from ._common import Context, ExperimentError, Finding, Result, fmt, md_table

NAME = "continual"
TITLE = "Continual learning on permuted digits: stability-plasticity fronts of seven penalties"
SALT = 202
PENALTIES = ("none", "ridge", "ewc", "online_ewc", "fisher_rao", "kl", "euclidean")
LABELS = {
    "none": "none",
    "ridge": "Ridge",
    "ewc": "EWC",
    "online_ewc": "online EWC",
    "fisher_rao": "Fisher-Rao^2",
    "kl": "KL (VCL)",
    "euclidean": "Euclidean (mu, log sigma)",
}
HIDDEN = 32
PRIOR_STD = 0.3
INIT_STD = 0.02
ONLINE_DECAY = 0.9
N_TASKS = 5


# ------------------------------------------------------------------------------------ data
def load_digits_data(path: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Digits images (n, 64) scaled to [0, 1] and labels (n,): sklearn's copy, or an ``.npz`` file
    with arrays ``X`` (n, 64) and ``y`` (n,) of labels 0..9."""
    if path is None:
        try:
            from sklearn.datasets import load_digits
        except ImportError:
            raise ExperimentError(
                "the continual experiment needs scikit-learn (its digits data): pip install 'beds[experiments]'"
            ) from None
        d = load_digits()
        x, y = np.asarray(d.data, float), np.asarray(d.target)
    else:
        try:
            with np.load(path) as f:
                x, y = np.asarray(f["X"], float), np.asarray(f["y"])
        except FileNotFoundError:
            raise ExperimentError(f"digits data {path}: no such file") from None
        except (OSError, ValueError, KeyError) as e:
            raise ExperimentError(f"digits data {path}: not an .npz file with arrays X and y ({e})") from None
    if x.ndim != 2 or x.shape[1] != 64 or y.shape != (x.shape[0],) or x.shape[0] < 100:
        raise ExperimentError(f"digits data: X must be (n, 64) and y (n,) with n >= 100, got {x.shape} and {y.shape}")
    if not np.isfinite(x).all() or np.any(x < 0):
        raise ExperimentError("digits data: X must be finite and non-negative")
    if not (np.issubdtype(y.dtype, np.integer) or np.all(y == np.round(y))) or y.min() < 0 or y.max() > 9:
        raise ExperimentError("digits data: y must be integer labels 0..9")
    return x / max(float(x.max()), 1e-12), y.astype(np.int64)


# ------------------------------------------------------------------------------------ network
class Net:
    """A 64 -> H -> 10 tanh network whose weights are one flat vector."""

    def __init__(self, n_in: int = 64, hidden: int = HIDDEN, n_out: int = 10) -> None:
        self.shapes = [(n_in, hidden), (hidden,), (hidden, n_out), (n_out,)]
        self.sizes = [int(np.prod(s)) for s in self.shapes]
        self.offsets = np.cumsum([0] + self.sizes)
        self.size = int(self.offsets[-1])

    def unpack(self, w: np.ndarray) -> list[np.ndarray]:
        return [w[a:b].reshape(s) for a, b, s in zip(self.offsets[:-1], self.offsets[1:], self.shapes)]

    def init_mean(self, rng: np.random.Generator) -> np.ndarray:
        w1 = rng.normal(0.0, 1.0 / math.sqrt(self.shapes[0][0]), self.shapes[0])
        w2 = rng.normal(0.0, 1.0 / math.sqrt(self.shapes[2][0]), self.shapes[2])
        return np.concatenate([w1.ravel(), np.zeros(self.sizes[1]), w2.ravel(), np.zeros(self.sizes[3])])

    def logits(self, w: np.ndarray, x: np.ndarray) -> np.ndarray:
        w1, b1, w2, b2 = self.unpack(w)
        return np.tanh(x @ w1 + b1) @ w2 + b2

    def accuracy(self, w: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
        return float(np.mean(np.argmax(self.logits(w, x), axis=1) == y))

    def grad(self, w: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """Mean negative log-likelihood over the batch and its gradient in w."""
        w1, b1, w2, b2 = self.unpack(w)
        h = np.tanh(x @ w1 + b1)
        z = h @ w2 + b2
        z = z - z.max(axis=1, keepdims=True)
        lse = np.log(np.exp(z).sum(axis=1))
        n = x.shape[0]
        nll = float(np.mean(lse - z[np.arange(n), y]))
        p = np.exp(z - lse[:, None])
        p[np.arange(n), y] -= 1.0
        dz = p / n
        dh = (dz @ w2.T) * (1.0 - h * h)
        return nll, np.concatenate([(x.T @ dh).ravel(), dh.sum(0), (h.T @ dz).ravel(), dz.sum(0)])

    def per_sample_grads(self, w: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Gradients of log p(y_n | x_n, w), one row per sample (for the empirical Fisher)."""
        w1, b1, w2, b2 = self.unpack(w)
        h = np.tanh(x @ w1 + b1)
        z = h @ w2 + b2
        z = z - z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        n = x.shape[0]
        dz = -p
        dz[np.arange(n), y] += 1.0  # d log p(y|x) / dz
        dh = (dz @ w2.T) * (1.0 - h * h)
        g1 = (x[:, :, None] * dh[:, None, :]).reshape(n, -1)
        g2 = (h[:, :, None] * dz[:, None, :]).reshape(n, -1)
        return np.concatenate([g1, dh, g2, dz], axis=1)


class Adam:
    def __init__(self, size: int, lr: float) -> None:
        self.m = np.zeros((2, size))
        self.v = np.zeros((2, size))
        self.t = 0
        self.lr = lr

    def step(self, params: np.ndarray, grads: np.ndarray) -> None:
        b1, b2 = 0.9, 0.999
        self.t += 1
        self.m = b1 * self.m + (1 - b1) * grads
        self.v = b2 * self.v + (1 - b2) * grads * grads
        mh = self.m / (1 - b1**self.t)
        vh = self.v / (1 - b2**self.t)
        params -= self.lr * mh / (np.sqrt(vh) + 1e-8)


# ------------------------------------------------------------------------------------ penalties
class Penalty:
    """The penalty R(q) of one method and its gradient in (mu, log sigma)."""

    def __init__(self, name: str, strength: float) -> None:
        self.name = name
        self.lam = float(strength)
        self.eq: Any = None
        self.ref: Any = None

    def consolidate(self, mu: np.ndarray, sigma: np.ndarray, fisher: np.ndarray) -> None:
        """End of a task: the reference becomes the current belief (and the Fisher is merged)."""
        n, lam = self.name, self.lam
        if n == "ridge" and self.eq is None:
            self.eq = beds.GoverningEquation.ridge(lam)
        elif n == "ewc":
            if self.eq is None:
                self.eq = beds.GoverningEquation.ewc(mu.copy(), fisher, lam)
            else:
                self.eq.consolidate(mu.copy(), fisher)
        elif n == "online_ewc":
            if self.eq is None:
                self.eq = beds.GoverningEquation.online_ewc(mu.copy(), fisher, lam, ONLINE_DECAY)
            else:
                self.eq.consolidate(mu.copy(), fisher)
        elif n in ("fisher_rao", "kl", "euclidean"):
            self.ref = beds.DiagNormal(mu.copy(), sigma.copy())
            if n == "euclidean":
                self.eq = beds.GoverningEquation(
                    self.ref, divergence="euclidean", metric="euclidean", strength=lam, param="log_std"
                )

    def grad(self, mu: np.ndarray, sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """Gradient of R in (mu, log sigma), or None when R = 0."""
        n = self.name
        if n == "none":
            return None
        if n in ("ridge", "ewc", "online_ewc"):
            g = self.eq.penalty(mu).grad["theta"]
            return g, None
        q = beds.DiagNormal(mu, sigma)
        if n == "fisher_rao":
            r = beds.fisher_rao_penalty(q, self.ref, self.lam, param="log_std")
        elif n == "kl":
            r = beds.kl_penalty(q, self.ref, self.lam, param="log_std")
        else:
            r = self.eq.penalty(q)
        return r.grad["mean"], r.grad["log_std"]

    def stiffness(self, sigma_ref: np.ndarray, fisher: np.ndarray) -> np.ndarray:
        """Second derivative of R in each mean at the reference, per unit strength."""
        n = self.name
        if n == "none":
            return np.zeros_like(sigma_ref)
        if n in ("ridge", "euclidean"):
            return np.ones_like(sigma_ref)
        if n in ("ewc", "online_ewc"):
            return fisher
        return 1.0 / sigma_ref**2


# ------------------------------------------------------------------------------------ training
def train_task(
    net: Net,
    mu: np.ndarray,
    rho: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    rng: np.random.Generator,
    epochs: int,
    penalty: Penalty | None,
    prior: Any = None,
    lr: float = 1e-2,
    batch: int = 64,
) -> tuple[np.ndarray, np.ndarray]:
    """Trains (mu, log sigma) on one task: E_q[NLL] + R(q)/N by the reparametrisation trick."""
    n = x.shape[0]
    params = np.stack([mu, rho])
    opt = Adam(net.size, lr)
    grads = np.empty_like(params)
    for _ in range(epochs):
        order = rng.permutation(n)
        for s in range(0, n, batch):
            idx = order[s : s + batch]
            sigma = np.exp(params[1])
            eps = rng.standard_normal(net.size)
            w = params[0] + sigma * eps
            _, gw = net.grad(w, x[idx], y[idx])
            grads[0] = gw
            grads[1] = gw * eps * sigma
            if prior is not None:  # task 1: the ELBO's KL to the prior
                r = beds.kl_penalty(beds.DiagNormal(params[0], sigma), prior, 1.0, param="log_std")
                grads[0] += r.grad["mean"] / n
                grads[1] += r.grad["log_std"] / n
            elif penalty is not None:
                g = penalty.grad(params[0], sigma)
                if g is not None:
                    grads[0] += g[0] / n
                    if g[1] is not None:
                        grads[1] += g[1] / n
            opt.step(params, grads)
    return params[0].copy(), params[1].copy()


def _fisher(net: Net, mu: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.asarray(beds.empirical_fisher(net.per_sample_grads(mu, x, y)))


def make_tasks(x: np.ndarray, y: np.ndarray, rng: np.random.Generator, n_train: int) -> list[tuple[np.ndarray, ...]]:
    order = rng.permutation(x.shape[0])
    tr, te = order[:n_train], order[n_train:]
    perms = [np.arange(64)] + [rng.permutation(64) for _ in range(N_TASKS - 1)]
    return [(x[tr][:, p], y[tr], x[te][:, p], y[te]) for p in perms]


def run_sequence(
    net: Net,
    tasks: list[tuple[np.ndarray, ...]],
    first: tuple[np.ndarray, np.ndarray, np.ndarray],
    penalty: Penalty,
    rng: np.random.Generator,
    epochs: int,
) -> np.ndarray:
    """Trains tasks 2..T after the shared task 1; returns acc[i, t] (task i after training task t)."""
    mu, rho, fisher = first
    acc = np.full((N_TASKS, N_TASKS), np.nan)
    acc[0, 0] = net.accuracy(mu, tasks[0][2], tasks[0][3])
    penalty.consolidate(mu, np.exp(rho), fisher)
    for t in range(1, N_TASKS):
        xtr, ytr = tasks[t][0], tasks[t][1]
        mu, rho = train_task(net, mu, rho, xtr, ytr, rng, epochs, penalty)
        for i in range(t + 1):
            acc[i, t] = net.accuracy(mu, tasks[i][2], tasks[i][3])
        if t < N_TASKS - 1:
            f = _fisher(net, mu, xtr, ytr) if penalty.name in ("ewc", "online_ewc") else None
            penalty.consolidate(mu, np.exp(rho), f)
    return acc


def summarise(acc: np.ndarray) -> dict[str, float]:
    last = N_TASKS - 1
    old = acc[:last, last]
    forgetting = np.array([acc[i, i] - acc[i, last] for i in range(last)])
    return {
        "acc_old": float(old.mean()),
        "acc_new": float(acc[last, last]),
        "acc_all": float(acc[:, last].mean()),
        "forgetting": float(forgetting.mean()),
    }


# ------------------------------------------------------------------------------------ experiment
def run(ctx: Context) -> Result:
    x, y = load_digits_data(ctx.data.get("digits"))
    quick = ctx.quick
    epochs1, epochs = (20, 5) if quick else (20, 15)
    levels = [1e-2, 1e-1, 1.0, 10.0, 100.0] if quick else [1e-2, 10**-1.5, 1e-1, 10**-0.5, 1.0, 10**0.5, 10.0, 100.0]
    n_train = int(round(0.67 * x.shape[0]))
    net = Net()
    raw: dict[str, dict[str, list[dict[str, Any]]]] = {p: {} for p in PENALTIES}
    jobs = []
    firsts = {}
    for seed in ctx.progress(ctx.seeds, "continual: task 1 (shared) per seed"):
        rng = ctx.rng(seed, SALT)
        tasks = make_tasks(x, y, rng, n_train)
        mu0 = net.init_mean(rng)
        rho0 = np.full(net.size, math.log(INIT_STD))
        prior = beds.DiagNormal(np.zeros(net.size), np.full(net.size, PRIOR_STD))
        mu, rho = train_task(net, mu0, rho0, tasks[0][0], tasks[0][1], rng, epochs1, None, prior=prior)
        fisher = _fisher(net, mu, tasks[0][0], tasks[0][1])
        firsts[seed] = (tasks, (mu, rho, fisher))
        sref = np.exp(rho)
        fr_unit = float(np.mean(1.0 / sref**2))
        for p in PENALTIES:
            unit = Penalty(p, 1.0).stiffness(sref, fisher)
            for j, lev in enumerate([0.0] if p == "none" else levels):
                lam = 0.0 if p == "none" else lev * fr_unit / float(np.mean(unit))
                jobs.append((seed, p, j, lev, lam, float(np.mean(unit)), float(np.median(unit))))
    for seed, p, j, lev, lam, unit_mean, unit_median in ctx.progress(jobs, "continual: penalties x strengths x seeds"):
        tasks, first = firsts[seed]
        rng = ctx.rng(seed, SALT, 1 + PENALTIES.index(p), j)
        acc = run_sequence(net, tasks, first, Penalty(p, lam), rng, epochs)
        row = {
            "seed": seed,
            "level": lev,
            "strength": lam,
            "stiffness_mean": lam * unit_mean,
            "stiffness_median": lam * unit_median,
            **summarise(acc),
            "acc_matrix": acc,
        }
        raw[p].setdefault(f"{lev:.6g}", []).append(row)

    # aggregate over seeds
    agg: dict[str, list[dict[str, float]]] = {}
    for p in PENALTIES:
        rows = []
        for rs in raw[p].values():
            d = {"level": rs[0]["level"]}
            for k in ("strength", "stiffness_mean", "stiffness_median", "acc_old", "acc_new", "acc_all", "forgetting"):
                v = np.array([r[k] for r in rs])
                d[k] = float(v.mean())
                d[k + "_std"] = float(v.std(ddof=1)) if v.size > 1 else 0.0
            rows.append(d)
        agg[p] = rows
    task1_acc = [net.accuracy(firsts[s][1][0], firsts[s][0][0][2], firsts[s][0][0][3]) for s in ctx.seeds]

    # matched stiffness: every penalty at the FR levels (same mean stiffness by construction)
    fr = {r["level"]: r for r in agg["fisher_rao"]}
    # matched forgetting: new-task accuracy interpolated at the forgetting of FR's strength-1 point
    target_forgetting = sorted({round(fr[1.0]["forgetting"], 4), 0.05, 0.10})
    matched_f = {
        p: {str(f): _interp_at(agg[p], "forgetting", "acc_new", f) for f in target_forgetting} for p in PENALTIES
    }
    matched_f_old = {
        p: {str(f): _interp_at(agg[p], "forgetting", "acc_old", f) for f in target_forgetting} for p in PENALTIES
    }
    numbers = {
        "network": f"64-{HIDDEN}-10 tanh, {net.size} weights, mean-field Gaussian belief per weight",
        "training": {
            "scheme": "variational (reparametrisation trick, one weight sample per minibatch), Adam lr 1e-2, batch 64",
            "epochs_task1": epochs1,
            "epochs_per_task": epochs,
            "prior_std_task1": PRIOR_STD,
            "online_ewc_decay": ONLINE_DECAY,
            "n_train": n_train,
            "n_test": int(x.shape[0] - n_train),
        },
        "stiffness_levels": levels,
        "task1_accuracy": task1_acc,
        "fronts": agg,
        "matched_forgetting_targets": target_forgetting,
        "acc_new_at_matched_forgetting": matched_f,
        "acc_old_at_matched_forgetting": matched_f_old,
        "per_seed": {
            p: {lev: [{k: v for k, v in r.items()} for r in rs] for lev, rs in raw[p].items()} for p in PENALTIES
        },
    }
    fig = _figure(ctx, agg)

    # tables
    def pm(d: dict[str, float], k: str) -> str:
        return f"{100 * d[k]:.1f} ± {100 * d[k + '_std']:.1f}"

    none = agg["none"][0]
    rows_s = [["-", LABELS["none"], "0", "0", pm(none, "acc_old"), pm(none, "acc_new"), pm(none, "forgetting")]]
    for lev in levels:
        for p in PENALTIES[1:]:
            r = next(r for r in agg[p] if r["level"] == lev)
            rows_s.append(
                [
                    f"{lev:.3g}",
                    LABELS[p],
                    fmt(r["strength"], 3),
                    fmt(r["stiffness_median"], 3),
                    pm(r, "acc_old"),
                    pm(r, "acc_new"),
                    pm(r, "forgetting"),
                ]
            )
    t_stiff = md_table(
        [
            "s (FR strength)",
            "penalty",
            "strength lam",
            "median stiffness",
            "old tasks %",
            "newest task %",
            "forgetting %",
        ],
        rows_s,
        "llrrrrr",
    )
    fr1 = fr[1.0]
    rows_m = [
        [LABELS[p]]
        + [("-" if matched_f[p][str(f)] is None else f"{100 * matched_f[p][str(f)]:.1f}") for f in target_forgetting]
        for p in PENALTIES
    ]
    t_match = md_table(["penalty"] + [f"forgetting {100 * f:.1f}%" for f in target_forgetting], rows_m)
    at1 = {p: next(r for r in agg[p] if r["level"] == (0.0 if p == "none" else 1.0)) for p in PENALTIES}
    best_old = max((p for p in PENALTIES), key=lambda p: at1[p]["acc_old"])
    md = f"""Network 64-{HIDDEN}-10 (tanh), {net.size} weights, a Gaussian belief N(mu_i, sigma_i^2) per weight,
trained by variational inference with the reparametrisation trick (one weight sample per minibatch of 64,
Adam, learning rate 1e-2); predictions with the mean weights.  Five permuted-pixel tasks on sklearn's
digits ({n_train} training and {x.shape[0] - n_train} test images per task, one shared head); task 1 is
trained by the ELBO with the prior N(0, {PRIOR_STD}^2) ({epochs1} epochs, identical for all penalties,
test accuracy {fmt(100 * np.mean(task1_acc), 3)}%), tasks 2-5 by E_q[NLL] + R(q)/N ({epochs} epochs each).
Seeds {ctx.seeds} (data split, permutations, initial weights and weight noise); mean ± standard deviation
over the seeds.

**Strengths in stiffness units.**  A penalty's local stiffness in the mean (second derivative in mu_i at
the reference) is lam for Ridge and the Euclidean penalty, lam F_i for EWC and online EWC, lam/sigma_i^2
for the Fisher-Rao and KL penalties.  For each level s the strength of every penalty is set so that its
mean stiffness at the start of task 2 equals that of the Fisher-Rao penalty at strength s: the fronts are
compared **at matched (mean) local stiffness** row by row.  s = 1 is VCL for the KL penalty.

{t_stiff}

**At matched forgetting** (newest-task accuracy %, interpolated along each front in the forgetting; '-':
outside the forgetting range the sweep reached):

{t_match}

![continual front]({fig})

At s = 1 the highest old-task accuracy is {LABELS[best_old]}'s ({pm(at1[best_old], "acc_old")}%);
Fisher-Rao {pm(fr1, "acc_old")}% old / {pm(fr1, "acc_new")}% newest, KL {pm(at1["kl"], "acc_old")}% /
{pm(at1["kl"], "acc_new")}%, no penalty {pm(at1["none"], "acc_old")}% / {pm(at1["none"], "acc_new")}%.
FR and KL have the same stiffness lam/sigma^2 in the mean and in log sigma (2 lam) at the reference: they
differ only away from it.
"""
    findings = [
        Finding(
            "FR^2 penalty gives the best stability-plasticity front",
            _front_verdict_text(agg, matched_f, target_forgetting),
            _front_verdict(matched_f, target_forgetting),
        ),
        Finding(
            "FR^2 vs KL (VCL) at matched stiffness (s = 1)",
            f"old {pm(fr1, 'acc_old')}% vs {pm(at1['kl'], 'acc_old')}%, newest {pm(fr1, 'acc_new')}% vs "
            f"{pm(at1['kl'], 'acc_new')}%",
            "measured",
        ),
    ]
    summary = (
        f"s = 1: FR old/new {100 * fr1['acc_old']:.1f}/{100 * fr1['acc_new']:.1f}%, "
        f"KL {100 * at1['kl']['acc_old']:.1f}/{100 * at1['kl']['acc_new']:.1f}%, "
        f"EWC {100 * at1['ewc']['acc_old']:.1f}/{100 * at1['ewc']['acc_new']:.1f}%, "
        f"none {100 * at1['none']['acc_old']:.1f}/{100 * at1['none']['acc_new']:.1f}%"
    )
    return Result(NAME, TITLE, summary, numbers, findings, md, [fig])


def _interp_at(rows: list[dict[str, float]], xkey: str, ykey: str, x0: float) -> float | None:
    """y at x = x0 by linear interpolation between consecutive sweep points (first crossing,
    strengths in increasing order); None if x0 is outside the range the sweep reached."""
    if len(rows) < 2:
        return None
    rs = sorted(rows, key=lambda r: r["level"])
    for a, b in zip(rs[:-1], rs[1:]):
        xa, xb = a[xkey], b[xkey]
        if min(xa, xb) <= x0 <= max(xa, xb) and xa != xb:
            w = (x0 - xa) / (xb - xa)
            return float(a[ykey] + w * (b[ykey] - a[ykey]))
    return None


def _front_verdict(matched: dict[str, dict[str, float | None]], targets: list[float]) -> str:
    wins = 0
    total = 0
    for f in targets:
        vals = {p: v[str(f)] for p, v in matched.items() if v[str(f)] is not None and p != "none"}
        if "fisher_rao" not in vals or len(vals) < 2:
            continue
        total += 1
        if vals["fisher_rao"] >= max(vals.values()) - 1e-12:
            wins += 1
    if total == 0:
        return "not measurable"
    if wins == total:
        return "confirmed"
    return "fails" if wins == 0 else "partly"


def _front_verdict_text(agg: dict, matched: dict, targets: list[float]) -> str:
    parts = []
    for f in targets:
        vals = {p: v[str(f)] for p, v in matched.items() if v[str(f)] is not None and p != "none"}
        if not vals:
            continue
        best = max(vals, key=lambda p: vals[p])
        fr = vals.get("fisher_rao")
        parts.append(
            f"at forgetting {100 * f:.1f}%: best {LABELS[best]} {100 * vals[best]:.1f}%"
            + (f", FR {100 * fr:.1f}%" if fr is not None else ", FR out of range")
        )
    return "; ".join(parts) + " (newest-task accuracy)"


def _figure(ctx: Context, agg: dict[str, list[dict[str, float]]]) -> str:
    import matplotlib.pyplot as plt

    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(12, 4.8))
    markers = dict(zip(PENALTIES, "XsdvoP^"))
    for i, p in enumerate(PENALTIES):
        rs = sorted(agg[p], key=lambda r: r["level"])
        xo = [100 * r["acc_old"] for r in rs]
        yn = [100 * r["acc_new"] for r in rs]
        ax0.errorbar(
            xo,
            yn,
            xerr=[100 * r["acc_old_std"] for r in rs],
            yerr=[100 * r["acc_new_std"] for r in rs],
            fmt=markers[p] + ("-" if p != "none" else ""),
            color=f"C{i}",
            label=LABELS[p],
            ms=6,
            capsize=2,
            lw=1.2,
        )
        if p != "none":
            ax1.errorbar(
                [r["stiffness_mean"] for r in rs],
                [100 * r["forgetting"] for r in rs],
                yerr=[100 * r["forgetting_std"] for r in rs],
                fmt=markers[p] + "-",
                color=f"C{i}",
                label=LABELS[p],
                capsize=2,
            )
    ax0.set_xlabel("accuracy on the old tasks 1-4 after task 5 (%)")
    ax0.set_ylabel("accuracy on the newest task 5 (%)")
    ax0.set_title("stability-plasticity fronts (strength sweep; mean ± sd over seeds)")
    ax0.legend(fontsize=8)
    ax1.set_xscale("log")
    ax1.set_xlabel("mean local stiffness in the mean at the start of task 2")
    ax1.set_ylabel("forgetting (%)")
    ax1.set_title("forgetting vs matched stiffness")
    return ctx.savefig(fig, "continual_front")

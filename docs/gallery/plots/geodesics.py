"""Figure of examples/geodesics.py: geodesics of the normal, von Mises and categorical manifolds."""

import runpy

import matplotlib.pyplot as plt
import numpy as np

ex = runpy.run_path("examples/geodesics.py")  # run from the repository root (plot_working_directory)

fig, axes = plt.subplots(1, 3, figsize=(13, 4.2))

ax = axes[0]
for p, q, path in ex["normal_paths"]():
    (line,) = ax.plot(path.mean, path.std, lw=2)
    ax.plot([p.mean, q.mean], [p.std, q.std], ls=":", color=line.get_color())
    ax.plot([q.mean], [q.std], "o", color=line.get_color())
ax.plot([0.0], [1.0], "ko")
ax.set_xlabel(r"mean $\mu$")
ax.set_ylabel(r"standard deviation $\sigma$")
ax.set_title("normal: geodesics (solid) vs straight lines (dotted)")
ax.set_ylim(0, None)

ax = axes[1]
theta = np.linspace(0, 2 * np.pi, 200)
for r in (1.0, 2.0):
    ax.plot(r * np.cos(theta), r * np.sin(theta), color="0.85", lw=0.8)
for _, q, path in ex["von_mises_paths"]():
    (line,) = ax.plot(path.kappa * np.cos(path.mu), path.kappa * np.sin(path.mu), lw=2)
    ax.plot([float(q.kappa * np.cos(q.mu))], [float(q.kappa * np.sin(q.mu))], "o", color=line.get_color())
ax.plot([2.0], [0.0], "ko")
ax.plot([0.0], [0.0], "k+")
ax.set_aspect("equal")
ax.set_xlabel(r"$\kappa\cos\mu$")
ax.set_ylabel(r"$\kappa\sin\mu$")
ax.set_title(r"von Mises: from vM(0, 2), dipping toward $\kappa = 0$")


def bary(pr):
    pr = np.asarray(pr)
    return pr[..., 1] + pr[..., 2] / 2, pr[..., 2] * np.sqrt(3) / 2


ax = axes[2]
ax.plot(*bary(np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]])), color="0.6", lw=1)
for p, q, path in ex["categorical_paths"]():
    (line,) = ax.plot(*bary(path.probs), lw=2)
    ax.plot(*bary(np.stack([p.probs, q.probs])), ls=":", color=line.get_color())
    ax.plot(*bary(q.probs), "o", color=line.get_color())
ax.plot(*bary(np.array([0.8, 0.1, 0.1])), "ko")
ax.set_aspect("equal")
ax.axis("off")
ax.set_title("categorical (k = 3): great circles bend inward")

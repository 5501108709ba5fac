"""Figure of examples/belief_tracking.py: a belief tracking a fixed and a drifting target."""

import runpy

import matplotlib.pyplot as plt
import numpy as np

ex = runpy.run_path("examples/belief_tracking.py")

fig, axes = plt.subplots(1, 3, figsize=(13, 4))
for ax, (name, gamma, speed) in zip(axes, ex["RUNS"]):
    traj, target, verdict = ex["simulate"](gamma, speed)
    t = traj.times
    m, s = traj.mean[:, 0], 1 / np.sqrt(traj.precision[:, 0])
    ax.plot(t, target, "k--", lw=1, label=r"target $\theta^*(t)$")
    ax.plot(t, m, lw=2, label="belief mean")
    ax.fill_between(t, m - 2 * s, m + 2 * s, alpha=0.3, label=r"$\pm 2\sigma$")
    ax.set_title(f"{name} ($\\gamma$ = {gamma:g})")
    ax.set_xlabel("time")
    ax.set_ylim(-0.5, 12.5)
axes[0].set_ylabel("belief of one of the 16 agents")
axes[0].legend(loc="upper left")

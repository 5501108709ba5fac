"""Figure for examples/fisher_rao_vs_euclidean.py: the same relaxation, fewer beliefs, drawn in the
(mu, sigma) half-plane, with the FR distance to the reference over time."""

import beds
import matplotlib.pyplot as plt
import numpy as np

rng = np.random.default_rng(1)
n, gamma, T, steps = 12, 1.0, 3.0, 300
q0 = beds.Normal(rng.normal(0, 3, n), np.exp(rng.normal(0, 1, n)))
ref = beds.Normal(0.0, 1.0)
fr = beds.GoverningEquation.fisher_rao(ref, strength=gamma)
eu = beds.GoverningEquation(ref, divergence="euclidean", metric="euclidean", strength=gamma)
h = T / steps
a, b = [q0], [q0]
for _ in range(steps):
    a.append(fr.step(a[-1], h, method="flow"))
    b.append(eu.step(b[-1], h, method="flow"))
times = np.linspace(0.0, T, steps + 1)

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
for i in range(n):
    fa = ax1.plot([x.mean[i] for x in a], [x.std[i] for x in a], color="C0", lw=1.5)
    fb = ax1.plot([x.mean[i] for x in b], [x.std[i] for x in b], color="C1", lw=1.5, ls="--")
ax1.plot(q0.mean, q0.std, "ko", ms=4)
ax1.plot([0.0], [1.0], "r*", ms=12)
ax1.legend([fa[0], fb[0]], ["Fisher-Rao (natural-gradient flow)", "Euclidean in (mu, sigma)"])
ax1.set_xlabel(r"mean $\mu$")
ax1.set_ylabel(r"standard deviation $\sigma$")
ax1.set_title(r"paths toward N(0, 1) for $T = 3$, $\gamma = 1$")

dfr = np.array([beds.distance(x, ref) for x in a])
deu = np.array([beds.distance(x, ref) for x in b])
ax2.semilogy(times, dfr.mean(axis=1), color="C0", label="Fisher-Rao")
ax2.semilogy(times, deu.mean(axis=1), color="C1", ls="--", label="Euclidean")
ax2.semilogy(times, dfr.mean(axis=1)[0] * np.exp(-gamma * times), "k:", label=r"$d_0 e^{-\gamma t}$")
ax2.set_xlabel("time")
ax2.set_ylabel("mean FR distance to the reference")
ax2.legend()

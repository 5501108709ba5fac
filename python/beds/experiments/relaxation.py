"""Fisher-Rao vs Euclidean relaxation of Normal beliefs toward a reference, at matched duration.

Every belief q0 = N(mu0, sigma0^2) relaxes toward q_ref = N(0, 1) for a time T at rate gamma, under

* the Fisher-Rao penalty ``gamma/2 d_FR^2(q, q_ref)`` with its natural-gradient flow (exact flow
  steps of :class:`beds.GoverningEquation`): the belief moves along the geodesic and the distance
  left decays as ``e^(-gamma t)``;
* the Euclidean penalty ``gamma/2 |(mu, sigma) - (0, 1)|^2`` with its Euclidean gradient flow at the
  same rate: straight lines in (mu, sigma), which are not geodesics of the Fisher metric.

For each path the thermodynamic length L, the action A and the efficiency L^2/A come from
:func:`beds.trajectory_diagnostics`.  An exponentially slowing geodesic has the efficiency
``2 tanh(gamma T / 2) / (gamma T)``; sampled with a step h the discrete sums give that value times
``(gamma h / 2) coth(gamma h / 2) = 1 + (gamma h)^2 / 12 + ...``, so the step is chosen with
``gamma h <= 2e-3`` (relative discretisation error below 4e-7).
"""

from __future__ import annotations

import math

import numpy as np

import beds

from ._common import Context, Finding, Result, fmt, md_table

NAME = "relaxation"
TITLE = "Fisher-Rao vs Euclidean relaxation at matched duration"
SALT = 101


def analytic_efficiency(gt: float) -> float:
    """Efficiency ``2 tanh(x/2) / x`` of a geodesic whose speed decays as ``e^(-gamma t)``, x = gamma T."""
    return 2.0 * math.tanh(gt / 2.0) / gt


def relax(q0: beds.Normal, gamma: float, T: float, max_gamma_h: float = 2e-3) -> dict[str, np.ndarray]:
    """Runs both flows for a time T and returns the diagnostics of each path (arrays over beliefs)."""
    ref = beds.Normal(0.0, 1.0)
    fr = beds.GoverningEquation.fisher_rao(ref, strength=gamma)
    eu = beds.GoverningEquation(ref, divergence="euclidean", metric="euclidean", strength=gamma)
    steps = int(math.ceil(gamma * T / max_gamma_h))
    h = T / steps
    times = np.linspace(0.0, T, steps + 1)
    a, b = [q0], [q0]
    for _ in range(steps):
        a.append(fr.step(a[-1], h, method="flow"))
        b.append(eu.step(b[-1], h, method="flow"))
    dfr = beds.trajectory_diagnostics(a, times)
    deu = beds.trajectory_diagnostics(b, times)
    return {
        "steps": steps,
        "fr_length": np.asarray(dfr.length),
        "fr_action": np.asarray(dfr.action),
        "fr_efficiency": np.asarray(dfr.efficiency),
        "fr_covered": np.asarray(beds.distance(q0, a[-1])),
        "fr_left": np.asarray(beds.distance(a[-1], ref)),
        "eu_length": np.asarray(deu.length),
        "eu_action": np.asarray(deu.action),
        "eu_efficiency": np.asarray(deu.efficiency),
        "eu_covered": np.asarray(beds.distance(q0, b[-1])),
        "eu_left": np.asarray(beds.distance(b[-1], ref)),
        "distance": np.asarray(beds.distance(q0, ref)),
        "paths": (a, b),
    }


def run(ctx: Context) -> Result:
    n = 64 if ctx.quick else 256
    gamma = 1.0
    gts = [0.5, 3.0] if ctx.quick else [0.25, 0.5, 1.0, 2.0, 3.0, 5.0]
    main_gt = 3.0
    per_seed: dict[str, list[dict[str, float]]] = {}
    keep_paths = None
    jobs = [(s, gt) for s in ctx.seeds for gt in gts]
    for seed, gt in ctx.progress(jobs, "relaxation: flows"):
        rng = ctx.rng(seed, SALT)
        q0 = beds.Normal(rng.normal(0.0, 3.0, n), np.exp(rng.normal(0.0, 1.0, n)))
        r = relax(q0, gamma, gt / gamma)
        frac = -math.expm1(-gt)
        row = {
            "seed": seed,
            "gamma_T": gt,
            "steps": r["steps"],
            "fr_length": float(r["fr_length"].mean()),
            "fr_action": float(r["fr_action"].mean()),
            "fr_efficiency": float(r["fr_efficiency"].mean()),
            "fr_efficiency_max_dev": float(np.max(np.abs(r["fr_efficiency"] - analytic_efficiency(gt)))),
            "fr_length_over_geodesic_max_dev": float(np.max(np.abs(r["fr_length"] / (frac * r["distance"]) - 1.0))),
            "eu_length": float(r["eu_length"].mean()),
            "eu_action": float(r["eu_action"].mean()),
            "eu_efficiency": float(r["eu_efficiency"].mean()),
            "eu_efficiency_min": float(r["eu_efficiency"].min()),
            "eu_efficiency_max": float(r["eu_efficiency"].max()),
            "fr_covered": float(r["fr_covered"].mean()),
            "eu_covered": float(r["eu_covered"].mean()),
            "eu_length_over_covered": float(np.mean(r["eu_length"] / r["eu_covered"])),
            "eu_length_over_covered_max": float(np.max(r["eu_length"] / r["eu_covered"])),
            "fr_left": float(r["fr_left"].mean()),
            "eu_left": float(r["eu_left"].mean()),
            "action_ratio": float(np.mean(r["eu_action"]) / np.mean(r["fr_action"])),
        }
        per_seed.setdefault(str(gt), []).append(row)
        if seed == ctx.seeds[0] and gt == main_gt:
            keep_paths = (q0, r["paths"])

    # aggregate over seeds
    agg: dict[str, dict[str, float]] = {}
    for gt, rows in per_seed.items():
        agg[gt] = {k: float(np.mean([r[k] for r in rows])) for k in rows[0] if k != "seed"}
        agg[gt]["fr_efficiency_std"] = float(np.std([r["fr_efficiency"] for r in rows]))
        agg[gt]["eu_efficiency_std"] = float(np.std([r["eu_efficiency"] for r in rows]))
        agg[gt]["analytic_efficiency"] = analytic_efficiency(float(gt))
    m = agg[str(main_gt)]
    worst = max(r["fr_efficiency_max_dev"] for rows in per_seed.values() for r in rows)
    numbers = {
        "n_beliefs": n,
        "gamma": gamma,
        "gamma_T_values": gts,
        "main_gamma_T": main_gt,
        "per_seed": per_seed,
        "by_gamma_T": agg,
        "fr_efficiency_worst_abs_error": worst,
        "main": m,
    }

    figs = [_figure(ctx, keep_paths, agg, gts)]
    table = md_table(
        [
            "gamma T",
            "FR eff.",
            "2tanh(gT/2)/(gT)",
            "Eucl. eff. (min-max)",
            "FR length",
            "Eucl. length",
            "Eucl. L / covered",
            "action Eucl./FR",
        ],
        [
            [
                float(gt),
                f"{a['fr_efficiency']:.9f}",
                f"{a['analytic_efficiency']:.9f}",
                f"{fmt(a['eu_efficiency'])} ({fmt(a['eu_efficiency_min'], 2)}-{fmt(a['eu_efficiency_max'], 2)})",
                a["fr_length"],
                a["eu_length"],
                a["eu_length_over_covered"],
                a["action_ratio"],
            ]
            for gt, a in agg.items()
        ],
    )
    md = f"""{n} Normal beliefs per seed (means ~ N(0, 9), log std ~ N(0, 1)) relax toward N(0, 1) at rate
gamma = {gamma} for a time T, under the Fisher-Rao penalty (exact natural-gradient flow of
`GoverningEquation.fisher_rao`, `method="flow"`) and under the Euclidean penalty in (mu, sigma) with the
same rate (exact Euclidean flow).  Lengths, actions and efficiencies from `beds.trajectory_diagnostics`
(step gamma h <= 2e-3); means over beliefs, then over the seeds {ctx.seeds}.

{table}

The Fisher-Rao run follows the geodesic: its length is (1 - e^(-gamma T)) times the distance to the
reference to {fmt(max(r["fr_length_over_geodesic_max_dev"] for rows in per_seed.values() for r in rows), 2)}
(worst belief), and its efficiency matches 2 tanh(gamma T/2)/(gamma T) to {fmt(worst, 2)} (worst belief,
all seeds and durations).  The Euclidean pull covers a comparable Fisher-Rao distance
({fmt(m["eu_covered"])} vs {fmt(m["fr_covered"])} at gamma T = {main_gt}) along paths
{fmt(100 * (m["eu_length_over_covered"] - 1), 3)}% longer than the geodesic between their endpoints on
average (up to {fmt(m["eu_length_over_covered_max"], 3)}x), for {fmt(m["action_ratio"], 3)} times the action.
Its mean efficiency L^2/A is not lower than the Fisher-Rao run's: both paths slow down exponentially,
and L^2/A only measures how constant the Fisher-Rao speed is along a path, so the cost of the wrong
metric shows in the length and the action, not in this efficiency.

![relaxation]({figs[0]})
"""
    eu_lower = m["eu_efficiency"] < m["fr_efficiency"]
    findings = [
        Finding(
            "FR relaxation is the geodesic flow, efficiency 2 tanh(gT/2)/(gT)",
            f"efficiency {m['fr_efficiency']:.9f} vs {m['analytic_efficiency']:.9f} at gT = {main_gt} "
            f"(worst belief {fmt(worst, 2)})",
            "confirmed" if worst < 1e-6 else "fails",
        ),
        Finding(
            "the Euclidean pull wastes thermodynamic length",
            f"length {fmt(100 * (m['eu_length_over_covered'] - 1), 3)}% above the geodesic, "
            f"action x{fmt(m['action_ratio'], 3)} (gT = {main_gt})",
            "confirmed" if m["eu_length_over_covered"] > 1 and m["action_ratio"] > 1 else "fails",
        ),
        Finding(
            "a Euclidean pull has a lower efficiency L^2/A than the FR flow",
            f"mean {fmt(m['eu_efficiency'])} vs FR {fmt(m['fr_efficiency'])}; range "
            f"{fmt(m['eu_efficiency_min'], 2)}-{fmt(m['eu_efficiency_max'], 2)} (gT = {main_gt})",
            "confirmed" if eu_lower else "fails (not lower on average)",
        ),
    ]
    summary = (
        f"FR efficiency {m['fr_efficiency']:.7f} vs 2tanh(gT/2)/(gT) {m['analytic_efficiency']:.7f}; "
        f"Euclidean +{fmt(100 * (m['eu_length_over_covered'] - 1), 3)}% length, x{fmt(m['action_ratio'], 3)} action"
    )
    return Result(NAME, TITLE, summary, numbers, findings, md, figs)


def _figure(ctx: Context, keep: tuple, agg: dict, gts: list[float]) -> str:
    import matplotlib.pyplot as plt

    from .. import plot as bplot

    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11, 4.2))
    q0, (a, b) = keep
    sel = np.argsort(np.asarray(beds.distance(q0, beds.Normal(0.0, 1.0))))[-6:]
    stride = max(1, len(a) // 300)
    fr = [beds.Normal(p.mean[sel], p.std[sel]) for p in a[::stride]]
    eu = [beds.Normal(p.mean[sel], p.std[sel]) for p in b[::stride]]
    bplot.parameter_paths(fr, ax=ax0, color="C0", label="Fisher-Rao flow (geodesics)")
    bplot.parameter_paths(eu, ax=ax0, color="C3", label="Euclidean flow", linestyle="--")
    ax0.plot([0], [1], "k*", ms=12, label="reference N(0, 1)")
    ax0.set_yscale("log")
    ax0.legend(fontsize=8)
    ax0.set_title("paths in (mu, sigma), gamma T = 3 (6 farthest beliefs)")
    x = np.geomspace(min(gts) * 0.8, max(gts) * 1.2, 200)
    ax1.plot(x, 2 * np.tanh(x / 2) / x, "k-", lw=1, label="2 tanh(gT/2)/(gT)")
    g = np.array([float(k) for k in agg])
    ax1.errorbar(
        g, [agg[k]["fr_efficiency"] for k in agg], yerr=[agg[k]["fr_efficiency_std"] for k in agg], fmt="o", color="C0"
    )
    ax1.plot(g, [agg[k]["fr_efficiency"] for k in agg], "o", color="C0", label="Fisher-Rao (measured)")
    ax1.errorbar(
        g,
        [agg[k]["eu_efficiency"] for k in agg],
        yerr=[agg[k]["eu_efficiency_std"] for k in agg],
        fmt="s",
        color="C3",
        label="Euclidean (mean over beliefs)",
    )
    ax1.set_xscale("log")
    ax1.set_xlabel("gamma T")
    ax1.set_ylabel("efficiency L^2 / A")
    ax1.legend(fontsize=8)
    ax1.set_title("efficiency of the relaxation")
    return ctx.savefig(fig, "relaxation")

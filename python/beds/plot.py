"""Plots of beliefs: geodesics with density snapshots, trajectories with uncertainty bands, energy.

matplotlib is imported when a function is called, never by ``import beds`` or ``import beds.plot``
(install it with ``pip install 'beds[experiments]'``).  Every function draws into the axes it is
given (``ax=``) or into a new figure, and returns the figure.

* :func:`geodesic`: the Fisher-Rao geodesic between two beliefs in parameter space, with density
  snapshots along it (Normal beliefs in the (mu, sigma) half-plane; von Mises beliefs on the disc
  with polar coordinates (A(kappa), mu), A = I1/I0 the mean resultant length);
* :func:`parameter_paths`: belief paths (a sequence of Normal batches over time) in (mu, sigma);
* :func:`trajectory`: a belief's mean over time with 1 and 2 standard-deviation bands (angles
  unwrapped for von Mises beliefs), and optionally the observations;
* :func:`energy`: entropy, information gained and dissipated, and Landauer energy over time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["energy", "geodesic", "parameter_paths", "trajectory"]


def _plt() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - exercised without the extra
        raise ImportError("beds.plot needs matplotlib: pip install 'beds[experiments]'") from None
    return plt


def _axes(ax: Any, n: int = 1, figsize: tuple[float, float] = (6.0, 4.0)) -> tuple[Any, list[Any]]:
    plt = _plt()
    if ax is None:
        fig, axs = plt.subplots(1, n, figsize=figsize)
        return fig, list(np.atleast_1d(axs))
    axs = list(np.atleast_1d(ax))
    if len(axs) != n:
        raise ValueError(f"ax must be {n} matplotlib axes, got {len(axs)}")
    return axs[0].figure, axs


def geodesic(p: Any, q: Any, *, snapshots: int = 5, points: int = 101, ax: Any = None) -> Any:
    """Draws the Fisher-Rao geodesic from belief ``p`` to belief ``q`` with density snapshots.

    Parameters
    ----------
    p, q : beds.Normal or beds.VonMises
        Single beliefs (batch shape ``()``) of the same family, or equal-size 1-d batches (one
        geodesic per pair).
    snapshots : int, optional
        Number of densities drawn along the (first) geodesic, at equally spaced t in [0, 1].
    points : int, optional
        Points per geodesic in the parameter-space panel.
    ax : sequence of two matplotlib axes, optional
        Parameter-space panel and density panel (for von Mises the first one must be a polar axes
        if given).  New figure by default.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError
        If p and q are not Normal or VonMises beliefs of the same family.
    ValueError
        If ``snapshots`` or ``points`` is below 2, or the batches are not 0-d or 1-d.

    Notes
    -----
    The points are ``beds.geodesic(p, q, t)``: the half-plane geodesics of the Normal family (Costa,
    Santos and Strapasson 2015) and the Clairaut geodesics of the von Mises family.  Normal beliefs
    are drawn in (mu, sigma) with sigma on a log axis; von Mises beliefs on the unit disc at radius
    A(kappa) (0: the uniform law, 1: a point mass) and angle mu.

    Examples
    --------
    >>> import beds, beds.plot
    >>> fig = beds.plot.geodesic(beds.Normal(-2.0, 0.5), beds.Normal(2.0, 1.5))  # doctest: +SKIP
    """
    import beds

    if not isinstance(p, (beds.Normal, beds.VonMises)) or type(p) is not type(q):
        raise TypeError("p and q must both be beds.Normal or both beds.VonMises beliefs")
    if int(snapshots) < 2 or int(points) < 2:
        raise ValueError("snapshots and points must be >= 2")
    batch = np.broadcast_shapes(p.batch_shape, q.batch_shape)
    if len(batch) > 1:
        raise ValueError(f"p and q must be single beliefs or 1-d batches, got batch shape {batch}")
    t = np.linspace(0.0, 1.0, int(points))
    ts = np.linspace(0.0, 1.0, int(snapshots))
    plt = _plt()
    cmap = plt.get_cmap("viridis")
    if isinstance(p, beds.Normal):
        fig, (a0, a1) = _axes(ax, 2, (10.0, 4.0))
        path = beds.geodesic(p, q, t.reshape((-1,) + (1,) * len(batch)))
        m = np.asarray(path.mean).reshape(len(t), -1)
        s = np.asarray(path.std).reshape(len(t), -1)
        a0.plot(m, s, "-", color="0.3", lw=1.2)
        snap = beds.geodesic(p, q, ts.reshape((-1,) + (1,) * len(batch)))
        sm = np.asarray(snap.mean).reshape(len(ts), -1)
        ss = np.asarray(snap.std).reshape(len(ts), -1)
        for i in range(len(ts)):
            a0.plot(sm[i], ss[i], "o", color=cmap(ts[i]), ms=6)
        a0.set_yscale("log")
        a0.set_xlabel("mean mu")
        a0.set_ylabel("std sigma")
        a0.set_title("Fisher-Rao geodesic in (mu, sigma)")
        lo = float(np.min(sm[:, 0] - 4 * ss[:, 0]))
        hi = float(np.max(sm[:, 0] + 4 * ss[:, 0]))
        x = np.linspace(lo, hi, 400)
        for i in range(len(ts)):
            mu, sd = sm[i, 0], ss[i, 0]
            a1.plot(x, np.exp(-0.5 * ((x - mu) / sd) ** 2) / (sd * np.sqrt(2 * np.pi)), color=cmap(ts[i]))
        a1.set_xlabel("x")
        a1.set_ylabel("density")
        a1.set_title(f"densities at t = {', '.join(f'{v:.2g}' for v in ts)}")
        return fig
    # von Mises: the disc view
    if ax is None:
        fig = plt.figure(figsize=(10.0, 4.0))
        a0 = fig.add_subplot(1, 2, 1, projection="polar")
        a1 = fig.add_subplot(1, 2, 2)
    else:
        fig, (a0, a1) = _axes(ax, 2)
    path = beds.geodesic(p, q, t.reshape((-1,) + (1,) * len(batch)))
    mu = np.asarray(path.mu).reshape(len(t), -1)
    r = np.asarray(beds.special.mean_resultant(np.asarray(path.kappa))).reshape(len(t), -1)
    a0.plot(mu, r, "-", color="0.3", lw=1.2)
    snap = beds.geodesic(p, q, ts.reshape((-1,) + (1,) * len(batch)))
    smu = np.asarray(snap.mu).reshape(len(ts), -1)
    sk = np.asarray(snap.kappa).reshape(len(ts), -1)
    sr = np.asarray(beds.special.mean_resultant(sk))
    for i in range(len(ts)):
        a0.plot(smu[i], sr[i], "o", color=cmap(ts[i]), ms=6)
    a0.set_ylim(0, 1)
    a0.set_title("geodesic on the disc (radius A(kappa), angle mu)", fontsize=9)
    x = np.linspace(-np.pi, np.pi, 400)
    for i in range(len(ts)):
        k, m0 = sk[i, 0], smu[i, 0]
        dens = np.exp(k * (np.cos(x - m0) - 1.0)) / (2 * np.pi * beds.special.i0e(k))
        a1.plot(x, dens, color=cmap(ts[i]))
    a1.set_xlabel("angle (rad)")
    a1.set_ylabel("density")
    a1.set_title(f"densities at t = {', '.join(f'{v:.2g}' for v in ts)}")
    return fig


def parameter_paths(
    path: Sequence[Any], *, ax: Any = None, color: Any = None, label: str | None = None, **kwargs: Any
) -> Any:
    """Draws belief paths in the (mu, sigma) half-plane, one line per belief of the batch.

    Parameters
    ----------
    path : sequence of beds.Normal
        The beliefs at successive times, all with the same batch shape (or one Normal batch whose
        leading axis is time).
    ax : matplotlib axes, optional
    color, label : optional
        Line colour and a legend label (attached to the first line only).
    **kwargs
        Passed to ``Axes.plot``.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError
        If the points are not beds.Normal beliefs.

    Examples
    --------
    >>> import beds, beds.plot, numpy as np
    >>> pts = beds.geodesic(beds.Normal(-2.0, 0.5), beds.Normal(2.0, 1.5), np.linspace(0, 1, 50))
    >>> fig = beds.plot.parameter_paths(pts)  # doctest: +SKIP
    """
    import beds

    if isinstance(path, beds.Normal):
        means, stds = np.asarray(path.mean), np.asarray(path.std)
    else:
        if not all(isinstance(b, beds.Normal) for b in path):
            raise TypeError("path must be a sequence of beds.Normal beliefs")
        means = np.stack([np.asarray(b.mean) for b in path])
        stds = np.stack([np.asarray(b.std) for b in path])
    fig, (a,) = _axes(ax)
    m = means.reshape(means.shape[0], -1)
    s = stds.reshape(stds.shape[0], -1)
    for j in range(m.shape[1]):
        a.plot(m[:, j], s[:, j], color=color, label=label if j == 0 else None, **kwargs)
    a.set_xlabel("mean mu")
    a.set_ylabel("std sigma")
    return fig


def trajectory(
    times: Any,
    mean: Any = None,
    std: Any = None,
    *,
    kappa: Any = None,
    observations: Any = None,
    observation_times: Any = None,
    index: int = 0,
    ax: Any = None,
    label: str = "belief mean",
    color: Any = "C0",
) -> Any:
    """Draws a belief trajectory: the mean with 1 and 2 standard-deviation bands.

    Parameters
    ----------
    times : array_like or beds.Trajectory
        Record times, shape ``(k,)``; or a trajectory from ``System.integrate`` (then ``mean``,
        ``std`` and ``kappa`` are read from it, for the belief ``index`` of a 1-d batch).
    mean : array_like, optional
        Means (shape ``(k,)``), angles in radians for von Mises beliefs.
    std : array_like, optional
        Standard deviations for the bands (Gaussian beliefs).
    kappa : array_like, optional
        von Mises concentrations: the mean is an angle, unwrapped (no 2 pi jumps), and the bands
        use the circular standard deviation ``sqrt(-2 ln A(kappa))``.
    observations, observation_times : array_like, optional
        Observed values (angles are shifted by multiples of 2 pi next to the unwrapped mean).
    index : int, optional
        Which belief of a recorded trajectory.
    ax : matplotlib axes, optional
    label, color : optional

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If the arrays do not have one value per record time, or neither ``std`` nor ``kappa`` is
        given for a mean.

    Examples
    --------
    >>> import numpy as np, beds.plot
    >>> t = np.linspace(0, 10, 50)
    >>> fig = beds.plot.trajectory(t, np.sin(t), 0.1 + 0.05 * t)  # doctest: +SKIP
    """
    import beds

    if isinstance(times, beds.Trajectory):
        tr = times
        t = np.asarray(tr.times, float)
        m = np.asarray(tr.mean).reshape(len(t), -1)[:, index]
        if tr.kind == "von_mises":
            kappa = np.asarray(tr.precision).reshape(len(t), -1)[:, index]
            std = None
        elif tr.kind == "normal":
            std = 1.0 / np.sqrt(np.asarray(tr.precision).reshape(len(t), -1)[:, index])
        else:
            raise ValueError(f"trajectory plots support scalar normal and von Mises beliefs, got {tr.kind!r}")
        mean = m
    else:
        t = np.asarray(times, float)
    if mean is None:
        raise ValueError("give the means (or a beds.Trajectory)")
    m = np.asarray(mean, float)
    if m.shape != t.shape:
        raise ValueError(f"mean must have one value per time {t.shape}, got {m.shape}")
    if kappa is not None:
        k = np.asarray(kappa, float)
        if k.shape != t.shape:
            raise ValueError(f"kappa must have one value per time {t.shape}, got {k.shape}")
        m = np.unwrap(m)
        a = np.clip(np.asarray(beds.special.mean_resultant(k)), 1e-300, 1.0)
        sd = np.sqrt(-2.0 * np.log(a))
    elif std is not None:
        sd = np.asarray(std, float)
        if sd.shape != t.shape:
            raise ValueError(f"std must have one value per time {t.shape}, got {sd.shape}")
    else:
        raise ValueError("give std (Gaussian beliefs) or kappa (von Mises beliefs) for the bands")
    fig, (a,) = _axes(ax, 1, (9.0, 3.5))
    a.fill_between(t, m - 2 * sd, m + 2 * sd, color=color, alpha=0.15, lw=0, label="2 sd")
    a.fill_between(t, m - sd, m + sd, color=color, alpha=0.3, lw=0, label="1 sd")
    a.plot(t, m, color=color, lw=1.3, label=label)
    if observations is not None:
        y = np.asarray(observations, float)
        ty = t if observation_times is None else np.asarray(observation_times, float)
        if y.shape != ty.shape:
            raise ValueError("observations and observation_times must have the same shape")
        if kappa is not None:  # put each angle next to the unwrapped mean
            ref = np.interp(ty, t, m)
            y = ref + np.angle(np.exp(1j * (y - ref)))
        a.plot(ty, y, ".", color="k", ms=3, label="observations")
    a.set_xlabel("time")
    a.set_ylabel("angle (rad, unwrapped)" if kappa is not None else "value")
    a.legend(fontsize=8, loc="best")
    return fig


def energy(
    times: Any,
    *,
    entropy: Any = None,
    info_gained: Any = None,
    info_dissipated: Any = None,
    temperature: float = 300.0,
    index: int = 0,
    ax: Any = None,
) -> Any:
    """Draws the entropy and the information budget of a belief over time.

    Parameters
    ----------
    times : array_like or beds.Trajectory
        Record times ``(k,)``, or a trajectory from ``System.integrate`` (belief ``index``).
    entropy, info_gained, info_dissipated : array_like, optional
        Entropy (nats), cumulative information gained from observations and produced by
        dissipation (nats), one value per time.
    temperature : float, optional
        Kelvins, for the Landauer energy ``k_B T * info_dissipated`` on a second axis.
    index : int, optional
    ax : sequence of two matplotlib axes, optional

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If nothing is given to draw or an array does not have one value per time.

    Examples
    --------
    >>> import numpy as np, beds, beds.plot
    >>> s = beds.System.normal(0.0, var=1.0, gamma=0.5)
    >>> _, tr = s.integrate([1.0, 2.0], [0, 0], [0.3, 0.1], 4.0, record=np.linspace(0, 3, 31))
    >>> fig = beds.plot.energy(tr)  # doctest: +SKIP
    """
    import beds

    if isinstance(times, beds.Trajectory):
        tr = times
        t = np.asarray(tr.times, float)

        def pick(x: Any) -> np.ndarray:
            return np.asarray(x).reshape(len(t), -1)[:, index]

        entropy = (
            pick(tr.entropy)
            if tr.kind in ("normal", "von_mises")
            else np.asarray(tr.entropy).reshape(len(t), -1)[:, index]
        )
        info_gained, info_dissipated = pick(tr.info_gained), pick(tr.info_dissipated)
        temperature = tr.temperature
    else:
        t = np.asarray(times, float)
    series = {
        "entropy H": entropy,
        "information gained": info_gained,
        "entropy produced by dissipation": info_dissipated,
    }
    series = {k: np.asarray(v, float) for k, v in series.items() if v is not None}
    if not series:
        raise ValueError("nothing to draw: give entropy, info_gained or info_dissipated (or a beds.Trajectory)")
    for k, v in series.items():
        if v.shape != t.shape:
            raise ValueError(f"{k} must have one value per time {t.shape}, got {v.shape}")
    fig, (a0, a1) = _axes(ax, 2, (10.0, 3.5))
    for k, v in series.items():
        a0.plot(t, v, label=k)
    a0.set_xlabel("time")
    a0.set_ylabel("nats")
    a0.legend(fontsize=8)
    if "entropy produced by dissipation" in series:
        e = beds.energy.joules(series["entropy produced by dissipation"], temperature)
        a1.plot(t, e, color="C3")
        a1.set_ylabel(f"Landauer energy k_B T x nats (J, T = {temperature:g} K)")
    else:
        a1.set_visible(False)
    a1.set_xlabel("time")
    return fig

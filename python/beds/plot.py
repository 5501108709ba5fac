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
    """Draw the Fisher-Rao geodesic from belief ``p`` to belief ``q`` with density snapshots.

    Two panels: the geodesic in parameter space, with ``snapshots`` points equally spaced in t,
    and the densities at those points.  The points are ``beds.geodesic(p, q, t)``: half-plane
    geodesics of the normal family (S. I. R. Costa, S. A. Santos and J. E. Strapasson, Discrete
    Applied Mathematics 197, 2015), drawn in (mu, sigma) with sigma on a log axis, and the
    geodesics of the von Mises family, drawn on the unit disc at radius ``A(kappa) = I1 / I0`` (0:
    the uniform law, 1: a point mass) and angle mu.  See :doc:`/gallery/geodesics`.

    Parameters
    ----------
    p, q : beds.Normal or beds.VonMises
        Single beliefs (batch shape ``()``) of the same family, or 1-d batches of the same size
        (one geodesic per pair in the first panel; the densities of the first pair only).
    snapshots : int, optional
        The number of densities drawn along the (first) geodesic, at equally spaced t in [0, 1]
        (>= 2).
    points : int, optional
        The number of points per geodesic in the parameter-space panel (>= 2).
    ax : sequence of two matplotlib axes, optional
        The parameter-space panel and the density panel (for von Mises beliefs the first one must
        be a polar axes).  By default a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure of the axes drawn into.

    Raises
    ------
    TypeError
        If ``p`` and ``q`` are not both Normal or both VonMises beliefs.
    ValueError
        If ``snapshots`` or ``points`` is below 2 (or not convertible to int), the batches are
        neither 0-d nor 1-d or do not broadcast, or ``ax`` is not two axes.
    ImportError
        If matplotlib is not installed.

    See Also
    --------
    beds.geodesic : The points.
    parameter_paths : Paths of belief batches in the same plane.

    Examples
    --------
    >>> import beds, beds.plot
    >>> fig = beds.plot.geodesic(beds.Normal(-2.0, 0.5), beds.Normal(2.0, 1.5))
    >>> fig.axes[0].get_title()
    'Fisher-Rao geodesic in (mu, sigma)'
    >>> import matplotlib.pyplot as plt; plt.close(fig)
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
    """Draw belief paths in the (mu, sigma) half-plane, one line per belief of the batch.

    The parameter plane of the normal family, where the Fisher-Rao geodesics are half-ellipses
    centred on the mu axis (:doc:`/mathematics/normal`): useful to compare a learning or
    dissipation path with the geodesic between its ends.  The axes are linear.

    Parameters
    ----------
    path : sequence of beds.Normal or beds.Normal
        The beliefs at successive times, all with the same batch shape, or one Normal batch whose
        leading batch axis is time (not a single belief: batch shape ``()`` raises IndexError).
    ax : matplotlib axes, optional
        The axes to draw into; by default a new figure.
    color : optional
        The line colour (any matplotlib colour; by default the colour cycle).
    label : str, optional
        A legend label, attached to the first line only.
    **kwargs
        Passed to ``Axes.plot``.

    Returns
    -------
    matplotlib.figure.Figure
        The figure of the axes drawn into.

    Raises
    ------
    TypeError
        If ``path`` is not iterable or holds something else than ``beds.Normal`` beliefs.
    IndexError
        If ``path`` is a single Normal belief without a time axis.
    ImportError
        If matplotlib is not installed.

    See Also
    --------
    geodesic : One geodesic with its densities.

    Examples
    --------
    >>> import numpy as np, beds, beds.plot
    >>> pts = beds.geodesic(beds.Normal(-2.0, 0.5), beds.Normal(2.0, 1.5), np.linspace(0, 1, 50))
    >>> fig = beds.plot.parameter_paths(pts, label="geodesic")
    >>> len(fig.axes[0].lines), fig.axes[0].get_xlabel()
    (1, 'mean mu')
    >>> import matplotlib.pyplot as plt; plt.close(fig)
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
    """Draw a belief trajectory: the mean over time with 1 and 2 standard-deviation bands.

    For Gaussian beliefs the bands are ``mean +- std`` and ``mean +- 2 std``; for von Mises beliefs
    the mean angle is unwrapped (no 2 pi jumps) and the bands use the circular standard deviation
    ``sqrt(-2 ln A(kappa))``, ``A = I1 / I0`` (K. V. Mardia and P. E. Jupp, *Directional
    Statistics*, 2000).  Observations, if given, are drawn as dots (angles shifted by multiples of
    2 pi next to the unwrapped mean).  See :doc:`/gallery/belief_tracking`.

    Parameters
    ----------
    times : array_like or beds.Trajectory
        The record times, shape ``(k,)``; or a trajectory from :meth:`beds.System.integrate` of kind
        ``"normal"`` or ``"von_mises"`` (then ``mean``, ``std`` and ``kappa`` are read from it, for
        the belief ``index`` of its flattened batch).
    mean : array_like, optional
        The means, shape ``(k,)`` (angles in radians for von Mises beliefs).
    std : array_like, optional
        The standard deviations for the bands (Gaussian beliefs), shape ``(k,)``.
    kappa : array_like, optional
        The von Mises concentrations, shape ``(k,)``; when given, ``std`` is ignored.
    observations : array_like, optional
        Observed values to draw as dots.
    observation_times : array_like, optional
        Their times, the shape of ``observations`` (default: ``times``).
    index : int, optional
        Which belief of a recorded trajectory (a flat index into its batch).
    ax : matplotlib axes, optional
        The axes to draw into; by default a new figure.
    label : str, optional
        The legend label of the mean.
    color : optional
        The colour of the mean and the bands.

    Returns
    -------
    matplotlib.figure.Figure
        The figure of the axes drawn into.

    Raises
    ------
    ValueError
        If a trajectory is of another kind, no mean is given, an array does not have one value per
        record time, neither ``std`` nor ``kappa`` is given, or the observations and their times
        differ in shape.
    IndexError
        If ``index`` is out of range for the trajectory's batch.
    ImportError
        If matplotlib is not installed.

    See Also
    --------
    energy : The information budget of the same trajectory.

    Examples
    --------
    >>> import numpy as np, beds.plot
    >>> t = np.linspace(0, 10, 50)
    >>> fig = beds.plot.trajectory(t, np.sin(t), 0.1 + 0.05 * t)
    >>> fig.axes[0].get_ylabel()
    'value'
    >>> import matplotlib.pyplot as plt; plt.close(fig)
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
    """Draw the entropy and the information budget of a belief over time.

    The left panel shows the entropy H, the cumulative information gained from the observations
    and the entropy produced by dissipation (nats), whose difference is the entropy change
    ``H(t0) - H(t) = gained - dissipated``; the right panel the Landauer energy ``k_B T *
    dissipated`` in joules (hidden when ``info_dissipated`` is not given).  See
    :doc:`/mathematics/energy`.

    Parameters
    ----------
    times : array_like or beds.Trajectory
        The record times ``(k,)``, or a trajectory from :meth:`beds.System.integrate` of any kind
        (then the three series and the temperature are read from it, for the belief ``index``).
    entropy : array_like, optional
        The entropy (nats), one value per time.
    info_gained : array_like, optional
        The cumulative information gained from observations (nats), one value per time.
    info_dissipated : array_like, optional
        The cumulative entropy produced by dissipation (nats), one value per time.
    temperature : float, optional
        The temperature in kelvins of the Landauer energy (a trajectory's own temperature
        replaces it).
    index : int, optional
        Which belief of a recorded trajectory (a flat index into its batch).
    ax : sequence of two matplotlib axes, optional
        The two panels; by default a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure of the axes drawn into.

    Raises
    ------
    ValueError
        If nothing is given to draw, an array does not have one value per time, or ``ax`` is not
        two axes.
    IndexError
        If ``index`` is out of range for the trajectory's batch.
    ImportError
        If matplotlib is not installed.

    See Also
    --------
    beds.Trajectory : The recorded series.
    beds.energy.joules : Nats to joules.

    Examples
    --------
    >>> import numpy as np, beds, beds.plot
    >>> s = beds.System.normal(0.0, var=1.0, gamma=0.5)
    >>> _, tr = s.integrate([1.0, 2.0], [0, 0], [0.3, 0.1], 4.0, record=np.linspace(0, 3, 31))
    >>> fig = beds.plot.energy(tr)
    >>> fig.axes[0].get_ylabel()
    'nats'
    >>> import matplotlib.pyplot as plt; plt.close(fig)
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

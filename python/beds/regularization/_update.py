"""The belief-level form of the governing equation: :func:`belief_update`."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .._belief import Belief
from .._validation import as_real_array, check_domain
from ..categorical import Categorical
from ..dynamics import _gaussian
from ._penalty import as_belief


def belief_update(
    q: Belief,
    q_ref: Belief | None,
    gamma: Any,
    dt: float,
    observation: Any = None,
    obs_std: Any = None,
    beta: Any = 1.0,
    likelihood: Any = None,
) -> Belief:
    """One step of the belief-level governing equation (docs page ``mathematics/regularization``, ours):

        q_{t+dt}  ~  q_t^a  q_ref^(1-a)  p(D_t | theta)^beta,      a = e^{-gamma dt}.

    Normal / DiagNormal: the geometric mixture of Gaussians has precision
    ``tau = a tau_q + (1 - a) tau_ref`` and mean ``(a tau_q mu_q + (1 - a) tau_ref mu_ref) / tau``;
    a Gaussian observation ``observation`` with standard deviation ``obs_std`` then updates it
    with precision ``beta / obs_std^2`` (the Bayesian update of the docs page ``mathematics/dynamics``).  A flat
    reference (``q_ref = None``) gives ``tau -> e^{-gamma dt} tau``: exactly the BEDS dissipation
    d tau/dt = -gamma tau (P3).  Categorical: ``p ~ p^a r^(1-a) likelihood^beta`` (``likelihood``:
    per-class likelihoods of the observation, shape broadcasting with the probabilities).
    The Gaussian steps are those of :meth:`beds.System.dissipate` and :meth:`beds.System.assimilate`.
    """
    if not (isinstance(dt, (int, float, np.floating)) and math.isfinite(dt) and dt >= 0):
        raise ValueError(f"dt must be finite and >= 0, got {dt!r}")
    g = as_real_array(gamma, "gamma")
    check_domain("gamma", g, "nonnegative")
    b = as_real_array(beta, "beta")
    check_domain("beta", b, "nonnegative")
    q = as_belief(q, "q")
    if q_ref is not None:
        q._check_same(q_ref, "q_ref")
    update = _CLOSED_FORMS.get(q.family)
    if update is None:
        raise TypeError(
            f"belief_update has closed forms for Normal, DiagNormal and Categorical, not {type(q).__name__}"
        )
    return update(q, q_ref, g, float(dt), b, observation, obs_std, likelihood)


def _gaussian_update(
    q: Any, q_ref: Any, g: np.ndarray, dt: float, b: np.ndarray, observation: Any, obs_std: Any, likelihood: Any
) -> Belief:
    ref = None if q_ref is None else (q_ref.mean, 1.0 / q_ref.std**2)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean, tau = _gaussian.dissipate(q.mean, 1.0 / q.std**2, g, dt, ref)
    if observation is not None:
        if obs_std is None:
            raise ValueError("a Gaussian observation needs obs_std")
        y = as_real_array(observation, "observation")
        check_domain("observation", y, "real")
        sd = as_real_array(obs_std, "obs_std")
        check_domain("obs_std", sd, "positive")
        with np.errstate(divide="ignore", invalid="ignore"):
            mean, tau = _gaussian.assimilate(mean, tau, y, b / sd**2)
    if not (np.all(tau > 0) and np.all(np.isfinite(tau))):
        raise ValueError(
            "the updated precision is not positive and finite (a flat reference with gamma dt "
            "too large, or no information)"
        )
    return type(q)(mean, 1.0 / np.sqrt(tau))


def _categorical_update(
    q: Any, q_ref: Any, g: np.ndarray, dt: float, b: np.ndarray, observation: Any, obs_std: Any, likelihood: Any
) -> Belief:
    a = np.exp(-g * dt)
    check_domain("q.probs", q.probs, "probs_interior")
    logp = a[..., None] * np.log(q.probs) if a.ndim else a * np.log(q.probs)
    if q_ref is not None:
        check_domain("q_ref.probs", q_ref.probs, "probs_interior")
        logp = logp + (1.0 - (a[..., None] if a.ndim else a)) * np.log(q_ref.probs)
    if likelihood is not None:
        lik = as_real_array(likelihood, "likelihood")
        check_domain("likelihood", lik, "positive")
        logp = logp + (b[..., None] if b.ndim else b) * np.log(lik)
    return Categorical(logits=logp)


_CLOSED_FORMS: dict[str, Callable[..., Belief]] = {
    "normal": _gaussian_update,
    "diag_normal": _gaussian_update,
    "categorical": _categorical_update,
}

"""The belief-level form of the governing equation: :func:`belief_update`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._belief import Belief
from .._validation import as_real_array, check_broadcast, check_domain, real_scalar
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
    """Take one step of the belief-level governing equation: dissipate toward a reference, then observe.

    **[ours]**, the belief-level form of the governing equation (:doc:`/mathematics/regularization`)::

        q_{t+dt}  ~  q_t^a  q_ref^(1-a)  p(D_t | theta)^beta,      a = e^{-gamma dt}

    Normal / DiagNormal: the normalised geometric mixture of Gaussians has precision ``tau = a tau_q
    + (1 - a) tau_ref`` and mean ``(a tau_q mu_q + (1 - a) tau_ref mu_ref) / tau``; an observation
    ``observation`` with standard deviation ``obs_std`` then updates it by Bayes' rule with precision
    ``beta / obs_std^2``.  A flat reference (``q_ref=None``) gives ``tau <- e^{-gamma dt} tau``: the
    BEDS dissipation ``dtau/dt = -gamma tau`` (the same formulas as :meth:`beds.System.dissipate` and
    :meth:`beds.System.assimilate`, :doc:`/mathematics/dynamics`).  Categorical: ``p ~ p^a
    r^(1-a) likelihood^beta``, normalised (no reference: tempering toward the uniform law).

    Parameters
    ----------
    q : beds.Normal, beds.DiagNormal or beds.Categorical
        The current beliefs.
    q_ref : Belief or None
        The reference, of the family of ``q`` (batch shapes broadcast); None: flat (precision 0,
        or uniform for Categorical).
    gamma : array_like
        The dissipation rate, >= 0 and finite, broadcasting with the batch shape.
    dt : float
        The time step, a finite Python or numpy scalar >= 0 (not an array).
    observation : array_like, optional
        Gaussian families: the observed values (finite), broadcasting with the means; ignored for
        Categorical.
    obs_std : array_like, optional
        The observation noise standard deviation (> 0, finite), required with ``observation``.
    beta : array_like, optional
        The weight of the likelihood (>= 0, finite; 1: Bayes' rule).
    likelihood : array_like, optional
        Categorical: per-class likelihoods of the observation (> 0, finite), broadcasting with the
        probabilities; ignored for the Gaussian families.

    Returns
    -------
    Belief
        The updated beliefs, of the family of ``q``.

    Raises
    ------
    TypeError
        If ``q`` is not a belief, ``q_ref`` is of another family, or the family has no closed form
        here (VonMises, MVNormal, Exponential, Poisson).
    ValueError
        If ``dt`` is not a finite scalar >= 0, ``gamma`` or ``beta`` is negative or not finite, an
        observation is given without ``obs_std`` or is not finite, ``obs_std`` or a likelihood is
        not positive, a Categorical probability is 0, or the updated precision is not positive and
        finite (no information left: a flat reference with ``gamma dt`` too large).

    See Also
    --------
    beds.System : The same Gaussian dissipation and observation on state arrays.
    GoverningEquation : The parameter-space form.

    Examples
    --------
    >>> import beds
    >>> beds.belief_update(beds.Normal(0.0, 1.0), None, gamma=0.5, dt=1.0)  # std e^(gamma dt / 2)
    Normal(mean=0., std=1.284025, batch_shape=())
    >>> beds.belief_update(beds.Normal(0.0, 1.0), beds.Normal(1.0, 2.0), 0.5, 1.0, observation=2.0, obs_std=0.5)
    Normal(mean=1.721263, std=0.461025, batch_shape=())
    """
    dt = real_scalar(dt, "dt", "nonnegative")
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
    check_broadcast("belief_update", q=q.mean, gamma=g, beta=b)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean, tau = _gaussian.dissipate(q.mean, 1.0 / q.std**2, g, dt, ref)
    if observation is not None:
        if obs_std is None:
            raise ValueError("a Gaussian observation needs obs_std")
        y = as_real_array(observation, "observation")
        check_domain("observation", y, "real")
        sd = as_real_array(obs_std, "obs_std")
        check_domain("obs_std", sd, "positive")
        check_broadcast("belief_update", q=q.mean, observation=y, obs_std=sd, beta=b)
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

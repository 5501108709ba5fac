"""Multivariate normal beliefs as probability distributions: the sampling, density and conversion
methods of :class:`beds.MVNormal` (helpers: ``beds._distributions``).

:class:`MVNormalDistribution` is a mixin without state; :class:`beds.MVNormal` inherits these
methods, where they are documented and used (``p.sample(...)``, ``p.log_prob(x)``, ...).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["MVNormalDistribution"]


class MVNormalDistribution:
    """The distribution methods of :class:`beds.MVNormal`: sampling, densities, scipy and torch.

    A mixin (no state of its own): it reads ``mean``, ``cov``, ``dim``, ``dtype`` and
    ``batch_shape`` of the belief batch.  The density of N(mu, Sigma) is
    ``(2 pi)^(-d/2) det(Sigma)^(-1/2) exp(-(x - mu)^T Sigma^-1 (x - mu) / 2)``, evaluated through
    the Cholesky factor ``Sigma = L L^T`` (see :doc:`/distributions`).

    Examples
    --------
    >>> import numpy as np, beds
    >>> issubclass(beds.MVNormal, beds._mvnormal_distribution.MVNormalDistribution)
    True
    >>> beds.MVNormal(np.zeros(2), np.eye(2)).sample(3, rng=0).shape
    (3, 2)
    """

    __slots__ = ()
    mean: np.ndarray
    cov: np.ndarray
    dtype: np.dtype
    dim: int
    batch_shape: tuple[int, ...]

    def _chol(self) -> np.ndarray:
        c = self.cov.astype(np.float64)
        return np.linalg.cholesky(0.5 * (c + np.swapaxes(c, -1, -2)))

    @property
    def variance(self) -> np.ndarray:
        """Marginal variances, the diagonal of ``cov`` (shape ``batch_shape + (d,)``)."""
        return np.diagonal(self.cov, axis1=-2, axis2=-1).copy()

    def sample(self, n: int, rng: Any = None) -> np.ndarray:
        """Draw ``n`` independent vectors from every belief.

        Each draw is ``mean + L z`` with ``L = chol(cov)`` and z a standard normal vector, so its
        covariance is ``L L^T = cov``.

        Parameters
        ----------
        n : int
            Number of draws (>= 0).
        rng : numpy.random.Generator, int or None, optional
            The generator (or a seed; None: fresh entropy).

        Returns
        -------
        numpy.ndarray
            Shape ``(n,) + batch_shape + (d,)``, the beliefs' dtype.

        Raises
        ------
        ValueError
            If ``n`` is not a non-negative integer.
        TypeError
            If ``rng`` is not a Generator, an int seed or None.

        Examples
        --------
        >>> import numpy as np, beds
        >>> beds.MVNormal(np.zeros(2), np.eye(2)).sample(5, rng=0).shape
        (5, 2)
        """
        from . import _distributions as _d

        g = _d.get_rng(rng)
        z = g.standard_normal((_d.check_n(n),) + self.mean.shape)
        x = self.mean + (self._chol() @ z[..., None])[..., 0]
        return x.astype(self.dtype, copy=False)

    def log_prob(self, x: Any) -> np.ndarray:
        """Return the log density at x.

        ``-|L^-1 (x - mean)|^2 / 2 - sum log diag L - d log(2 pi) / 2`` with ``L = chol(cov)``
        (a triangular solve: no inverse is formed).

        Parameters
        ----------
        x : array_like
            Points of shape ``(..., d)``, their leading axes broadcasting with the batch shape.

        Returns
        -------
        numpy.ndarray
            Log densities of the broadcast batch shape.

        Raises
        ------
        TypeError
            If x is not real numbers.
        ValueError
            If x holds NaN, its last axis is not d, or the shapes do not broadcast.

        Examples
        --------
        >>> import numpy as np, beds
        >>> round(float(beds.MVNormal(np.zeros(2), 2 * np.eye(2)).log_prob([0.0, 0.0])), 12)  # -log(4 pi)
        -2.531024246969
        """
        from . import _distributions as _d

        a = _d.points(x)
        _d.event_shape(a, self.dim)
        diff = a.astype(np.float64) - self.mean
        L = self._chol()
        batch = np.broadcast_shapes(diff.shape[:-1], L.shape[:-2])
        L = np.broadcast_to(L, batch + L.shape[-2:])
        y = np.linalg.solve(L, np.broadcast_to(diff, batch + diff.shape[-1:])[..., None])[..., 0]
        logdet = np.log(np.diagonal(L, axis1=-2, axis2=-1)).sum(axis=-1)
        lp = -0.5 * np.sum(y * y, axis=-1) - logdet - 0.5 * self.dim * np.log(2.0 * np.pi)
        return lp.astype(_d.out_dtype(self.dtype, a), copy=False)

    def pdf(self, x: Any) -> np.ndarray:
        """Return the density ``exp(log_prob(x))`` at x.

        See :meth:`log_prob` for the formula.

        Parameters
        ----------
        x : array_like
            Points of shape ``(..., d)``.

        Returns
        -------
        numpy.ndarray
            Densities of the broadcast batch shape.

        Raises
        ------
        TypeError, ValueError
            As :meth:`log_prob`.

        Examples
        --------
        >>> import numpy as np, beds
        >>> round(float(beds.MVNormal(np.zeros(1), np.eye(1)).pdf([0.0])), 12)  # 1 / sqrt(2 pi)
        0.398942280401
        """
        return np.exp(self.log_prob(x))

    def cdf(self, x: Any) -> np.ndarray:
        """Not provided: the multivariate normal distribution function has no closed form.

        For one belief, ``p.to_scipy().cdf(x)`` evaluates it numerically (Genz's algorithm in
        scipy).

        Parameters
        ----------
        x : array_like
            Points of shape ``(..., d)`` (not read).

        Returns
        -------
        numpy.ndarray
            Never returns.

        Raises
        ------
        NotImplementedError
            Always.

        Examples
        --------
        >>> import numpy as np, beds
        >>> p = beds.MVNormal(np.zeros(2), np.eye(2))
        >>> round(float(p.to_scipy().cdf([0.0, 0.0])), 4)
        0.25
        """
        raise NotImplementedError(
            "MVNormal.cdf: the multivariate normal CDF has no closed form; for one belief use "
            "p.to_scipy().cdf(x) (scipy's numerical integration)"
        )

    def to_scipy(self) -> Any:
        """Return ``scipy.stats.multivariate_normal(mean, cov)`` for a single belief.

        scipy's multivariate normal holds one distribution: convert the elements of a batch one
        by one (``p[i].to_scipy()``).

        Returns
        -------
        scipy.stats._multivariate.multivariate_normal_frozen
            The frozen distribution (float64 copies of the parameters).

        Raises
        ------
        ValueError
            For a batch (batch shape other than ``()``).
        ImportError
            Without scipy.

        Examples
        --------
        >>> import numpy as np, beds
        >>> beds.MVNormal(np.zeros(2), np.eye(2)).to_scipy().cov.tolist()
        [[1.0, 0.0], [0.0, 1.0]]
        """
        from . import _distributions as _d

        _d.require_single(self, "multivariate_normal")
        return _d.scipy_stats().multivariate_normal(np.array(self.mean), np.array(self.cov))

    @classmethod
    def from_scipy(cls, frozen: Any) -> Any:
        """Return the belief of a frozen ``scipy.stats.multivariate_normal(mean, cov)``.

        The inverse of :meth:`to_scipy`: its mean and covariance, as float64.

        Parameters
        ----------
        frozen : scipy.stats._multivariate.multivariate_normal_frozen
            The distribution.

        Returns
        -------
        MVNormal
            One belief (batch shape ``()``), float64.

        Raises
        ------
        ValueError
            If ``frozen`` is not a frozen multivariate normal of scipy.
        ImportError
            Without scipy.

        Examples
        --------
        >>> import numpy as np, scipy.stats, beds
        >>> beds.MVNormal.from_scipy(scipy.stats.multivariate_normal([1.0, 2.0])).mean.tolist()
        [1.0, 2.0]
        """
        from . import _distributions as _d

        st = _d.scipy_stats()
        if not isinstance(frozen, type(st.multivariate_normal(np.zeros(1)))):
            raise ValueError(
                f"{cls.__name__}.from_scipy needs a frozen scipy.stats.multivariate_normal, got {type(frozen).__name__}"
            )
        return cls(np.asarray(frozen.mean, dtype=np.float64), np.asarray(frozen.cov, dtype=np.float64))

    def to_torch(self) -> Any:
        """Return ``torch.distributions.MultivariateNormal(mean, covariance_matrix=cov)``.

        The parameters are copied; the batch shape carries over.

        Returns
        -------
        torch.distributions.MultivariateNormal
            The distributions, in the beliefs' dtype.

        Raises
        ------
        ImportError
            Without PyTorch.

        Examples
        --------
        >>> import numpy as np, beds
        >>> beds.MVNormal(np.zeros((3, 2)), np.eye(2)).to_torch().batch_shape
        torch.Size([3])
        """
        from . import _distributions as _d

        D = _d.torch_module().distributions
        return D.MultivariateNormal(_d.tensor(self.mean), covariance_matrix=_d.tensor(self.cov))

    @classmethod
    def from_torch(cls, dist: Any) -> Any:
        """Return the beliefs of a ``torch.distributions.MultivariateNormal``.

        Any of torch's parametrisations (covariance, precision or scale_tril) is read through its
        ``covariance_matrix``.

        Parameters
        ----------
        dist : torch.distributions.MultivariateNormal
            The distributions.

        Returns
        -------
        MVNormal
            The beliefs (numpy copies; same batch shape).

        Raises
        ------
        TypeError
            If ``dist`` is not a torch MultivariateNormal.
        ImportError
            Without PyTorch.

        Examples
        --------
        >>> import torch, beds
        >>> d = torch.distributions.MultivariateNormal(torch.zeros(2), torch.eye(2))
        >>> beds.MVNormal.from_torch(d).cov.tolist()
        [[1.0, 0.0], [0.0, 1.0]]
        """
        from . import _distributions as _d

        D = _d.torch_module().distributions
        if not isinstance(dist, D.MultivariateNormal):
            raise TypeError(
                f"{cls.__name__}.from_torch needs a torch.distributions.MultivariateNormal, got {type(dist).__name__}"
            )
        return cls(_d.from_tensor(dist.loc), _d.from_tensor(dist.covariance_matrix))

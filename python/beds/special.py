"""Bessel functions of the von Mises family, vectorized in C++ (numpy ufuncs underneath).

* ``i0e(x) = exp(-|x|) I0(x)``, ``i1e(x) = exp(-|x|) I1(x)`` (exponentially scaled, like
  ``scipy.special.i0e`` / ``i1e``; never overflow);
* ``log_i0(kappa) = log I0(kappa)`` (the log-normalizer of vM(mu, kappa) minus log 2 pi);
* ``mean_resultant(kappa) = A(kappa) = I1(kappa) / I0(kappa)``, the mean resultant length
  E[cos(x - mu)] of vM(mu, kappa);
* ``mean_resultant_derivative(kappa) = A'(kappa) = 1 - A/kappa - A^2``, the Fisher information of
  kappa, computed without the cancellation of that formula (which loses 1e-3 relative accuracy
  near kappa = 1e6 in double precision);
* ``mean_resultant_inverse(r) = A^-1(r)``, the maximum-likelihood concentration for a mean
  resultant length r.

Method: power series with positive coefficients in y = kappa^2 / 4 up to kappa = 16 (including the
series of I0^2 - I0 I1 / kappa - I1^2 for A' = that / I0^2), and polynomials in 1 / kappa fitted
with mpmath above (``tools/fit_bessel_coefficients.py``); the inverse takes Newton steps on
A(kappa) - r from the approximation of Best and Fisher (1981).  Measured errors against mpmath at
50 digits over kappa in [0, 1e8] are on the docs page ``accuracy`` (a few ulp).  References: Abramowitz and Stegun
9.6.10 and 9.7.1; Hill (1977), "Evaluation and inversion of the ratios of modified Bessel
functions", ACM TOMS 3(3); Best and Fisher (1981), Communications in Statistics B 10(5); the docs
page :doc:`/mathematics/von_mises`.
"""

from __future__ import annotations

from ._kernels import array_function

__all__ = ["i0e", "i1e", "log_i0", "mean_resultant", "mean_resultant_derivative", "mean_resultant_inverse"]

_M = "beds.special"

# Parts shared by the docstrings
_KAPPA = """kappa : array_like
        Concentrations (>= 0, not NaN; +inf gives the limit)."""
_OUT = """out : numpy.ndarray, optional
        Array to write the result into (numpy ufunc semantics)."""
_RET = """numpy.ndarray or numpy.float64
        The values, of the shape of the argument; float32 for a float32 array, float64 otherwise."""
_RAISES = """Raises
    ------
    TypeError
        If the argument is not an array of real numbers, or is missing or unexpected.
    ValueError
        If an element is outside the domain (the message names the index)."""
_METHOD = """Power series with positive coefficients in ``kappa^2 / 4`` up to kappa = 16, polynomials in
    ``1 / kappa`` fitted with mpmath above; a few ulp from mpmath at 50 digits over [0, 1e8] (docs
    page ``accuracy``).  Reference: M. Abramowitz, I. A. Stegun, *Handbook of Mathematical
    Functions* (1964), 9.6.10 and 9.7.1; :doc:`/mathematics/von_mises`."""

i0e = array_function(
    "special_i0e",
    f"""Compute the exponentially scaled modified Bessel function of order 0, ``exp(-|x|) I0(x)``.

    Even in x, in (0, 1], never overflows (``I0`` itself overflows near x = 713); the same values as
    ``scipy.special.i0e`` (x = +-inf gives the limit 0).

    Parameters
    ----------
    x : array_like
        Real arguments (not NaN).
    {_OUT}

    Returns
    -------
    {_RET}

    {_RAISES}

    See Also
    --------
    i1e : Order 1.
    log_i0 : ``log I0``, for large arguments.

    Notes
    -----
    {_METHOD}

    Examples
    --------
    >>> import beds
    >>> round(float(beds.special.i0e(1.0)), 12)
    0.465759607594
    >>> beds.special.i0e([0.0, -1.0])
    array([1.        , 0.46575961])
    """,
    module=_M,
)

i1e = array_function(
    "special_i1e",
    f"""Compute the exponentially scaled modified Bessel function of order 1, ``exp(-|x|) I1(x)``.

    Odd in x, never overflows; the same values as ``scipy.special.i1e`` (x = +-inf gives +-0).

    Parameters
    ----------
    x : array_like
        Real arguments (not NaN).
    {_OUT}

    Returns
    -------
    {_RET}

    {_RAISES}

    See Also
    --------
    i0e : Order 0.
    mean_resultant : The ratio ``I1 / I0``.

    Notes
    -----
    {_METHOD}

    Examples
    --------
    >>> import beds
    >>> beds.special.i1e([0.0, 1.0, -1.0])
    array([ 0.        ,  0.20791042, -0.20791042])
    """,
    module=_M,
)

log_i0 = array_function(
    "special_log_i0",
    f"""Compute ``log I0(kappa)`` for kappa >= 0.

    The log-normalizer of vM(mu, kappa) minus ``log(2 pi)``; accurate for tiny kappa (where it is
    ``kappa^2 / 4``) and for large kappa (``kappa - log(2 pi kappa) / 2 + ...``) alike, and +inf at
    +inf (``log(i0e)`` would lose the relative accuracy for small kappa, ``log(I0)`` overflows).

    Parameters
    ----------
    {_KAPPA}
    {_OUT}

    Returns
    -------
    {_RET}

    {_RAISES}

    See Also
    --------
    i0e : The scaled function.

    Notes
    -----
    {_METHOD}

    Examples
    --------
    >>> import beds
    >>> print(f"{{float(beds.special.log_i0(1e-3)):.10e}}")   # ~ kappa^2 / 4
    2.4999998438e-07
    >>> round(float(beds.special.log_i0(1000.0)), 9)
    995.62730889
    """,
    module=_M,
)

mean_resultant = array_function(
    "special_mean_resultant",
    f"""Compute the mean resultant length ``A(kappa) = I1(kappa) / I0(kappa)`` of vM(mu, kappa).

    ``A(kappa) = E[cos(x - mu)]`` for x ~ vM(mu, kappa), increasing from 0 to 1:
    ``A ~ kappa/2 - kappa^3/16`` near 0 and ``1 - 1/(2 kappa) - 1/(8 kappa^2)`` for large kappa.
    The Fisher metric of the von Mises family is ``diag(kappa A(kappa), A'(kappa))``.

    Parameters
    ----------
    {_KAPPA}
    {_OUT}

    Returns
    -------
    {_RET}

    {_RAISES}

    See Also
    --------
    mean_resultant_derivative : A'.
    mean_resultant_inverse : The inverse function.

    Notes
    -----
    {_METHOD}  See also K. V. Mardia, P. E. Jupp, *Directional Statistics*, Wiley (2000), section
    3.5.

    Examples
    --------
    >>> import beds
    >>> round(float(beds.special.mean_resultant(1.0)), 10)
    0.4463899659
    >>> beds.special.mean_resultant([0.0, float("inf")])
    array([0., 1.])
    """,
    module=_M,
)

mean_resultant_derivative = array_function(
    "special_mean_resultant_derivative",
    f"""Compute ``A'(kappa) = 1 - A/kappa - A^2``, the Fisher information g_kk of the von Mises family.

    Computed as ``(I0^2 - I0 I1/kappa - I1^2) / I0^2`` with a positive series for the numerator
    (kappa <= 16) and as ``kappa^-2 P(1/kappa)`` above: a few ulp everywhere, where the formula
    itself cancels (1e-3 relative error at kappa = 1e6).  ``A'(0) = 1/2``.

    Parameters
    ----------
    {_KAPPA}
    {_OUT}

    Returns
    -------
    {_RET}

    {_RAISES}

    See Also
    --------
    mean_resultant : A.

    Notes
    -----
    For large kappa ``A'(kappa) ~ 1 / (2 kappa^2)``.  Reference: G. W. Hill, "Evaluation and
    inversion of the ratios of modified Bessel functions", ACM TOMS 3 (1977);
    :doc:`/mathematics/von_mises`.

    Examples
    --------
    >>> import beds
    >>> round(float(beds.special.mean_resultant_derivative(10.0)), 10)
    0.0052983876
    >>> print(f"{{float(beds.special.mean_resultant_derivative(1e6)):.10e}}")   # 1 / (2 kappa^2)
    5.0000025000e-13
    """,
    module=_M,
)

mean_resultant_inverse = array_function(
    "special_mean_resultant_inverse",
    f"""Compute ``A^-1(r)``: the concentration kappa with ``A(kappa) = r``, r in [0, 1] (+inf at r = 1).

    The maximum-likelihood kappa of a von Mises sample with mean resultant length r.  Newton steps
    on ``A(kappa) - r`` from the approximation of Best and Fisher (1981).  Backward error
    ``|A(kappa) - r|`` at most that of A itself (measured: 5.7 ulp of r, near kappa = 10 .. 16); the
    forward error is that times the condition number ``r / (kappa A'(kappa))`` (1 near r = 0, about
    2 kappa for large kappa, so r close to 1 should be given as ``1 - (1 - r)`` computed accurately).

    Parameters
    ----------
    r : array_like
        Mean resultant lengths in [0, 1].
    {_OUT}

    Returns
    -------
    {_RET}

    {_RAISES}

    See Also
    --------
    mean_resultant : A, the inverse function.

    Notes
    -----
    Reference: D. J. Best, N. I. Fisher, "The bias of the maximum likelihood estimators of the von
    Mises-Fisher concentration parameters", Communications in Statistics B 10 (1981); G. W. Hill,
    ACM TOMS 3 (1977); :doc:`/mathematics/von_mises`.

    Examples
    --------
    >>> import beds
    >>> round(float(beds.special.mean_resultant_inverse(0.4463899659)), 9)
    1.0
    >>> beds.special.mean_resultant_inverse([0.0, 1.0])
    array([ 0., inf])
    """,
    module=_M,
)

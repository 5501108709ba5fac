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
functions", ACM TOMS 3(3); Best and Fisher (1981), Communications in Statistics B 10(5).
"""

from __future__ import annotations

from ._kernels import array_function

__all__ = ["i0e", "i1e", "log_i0", "mean_resultant", "mean_resultant_derivative", "mean_resultant_inverse"]

_M = "beds.special"

i0e = array_function(
    "special_i0e",
    """Exponentially scaled modified Bessel function of order 0: ``exp(-|x|) I0(x)`` (x real).

    >>> import beds
    >>> round(float(beds.special.i0e(1.0)), 12)
    0.465759607594
    """,
    module=_M,
)

i1e = array_function(
    "special_i1e",
    """Exponentially scaled modified Bessel function of order 1: ``exp(-|x|) I1(x)`` (x real, odd).""",
    module=_M,
)

log_i0 = array_function(
    "special_log_i0",
    """``log I0(kappa)`` for kappa >= 0 (+inf at +inf), accurate for tiny kappa (``kappa^2 / 4``)
    and for large kappa (``kappa - log(2 pi kappa) / 2 + ...``) alike.""",
    module=_M,
)

mean_resultant = array_function(
    "special_mean_resultant",
    """Mean resultant length ``A(kappa) = I1(kappa) / I0(kappa)`` of vM(mu, kappa), kappa >= 0.

    ``A ~ kappa/2 - kappa^3/16`` near 0 and ``1 - 1/(2 kappa) - 1/(8 kappa^2)`` for large kappa.

    >>> import beds
    >>> round(float(beds.special.mean_resultant(1.0)), 10)
    0.4463899659
    """,
    module=_M,
)

mean_resultant_derivative = array_function(
    "special_mean_resultant_derivative",
    """``A'(kappa) = 1 - A/kappa - A^2`` (the Fisher information g_kk of the von Mises family).

    Computed as ``(I0^2 - I0 I1/kappa - I1^2) / I0^2`` with a positive series for the numerator
    (kappa <= 16) and as ``kappa^-2 P(1/kappa)`` above: a few ulp everywhere, where the formula
    itself cancels (1e-3 relative error at kappa = 1e6).

    >>> import beds
    >>> round(float(beds.special.mean_resultant_derivative(10.0)), 10)
    0.0052983876
    """,
    module=_M,
)

mean_resultant_inverse = array_function(
    "special_mean_resultant_inverse",
    """``A^-1(r)``: the concentration kappa with ``A(kappa) = r``, r in [0, 1] (+inf at r = 1).

    The maximum-likelihood kappa of a von Mises sample with mean resultant length r.  Backward
    error ``|A(kappa) - r|`` at most that of A itself (measured: 5.7 ulp of r, near kappa = 10 .. 16);
    the forward error is that times the condition number
    ``r / (kappa A'(kappa))`` (1 near r = 0, about 2 kappa for large kappa, so r close to 1 should
    be given as ``1 - (1 - r)`` computed accurately).
    """,
    module=_M,
)

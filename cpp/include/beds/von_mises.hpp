// von Mises distributions vM(mu, kappa): the circular belief manifold.
//
// p(x) = exp(kappa cos(x - mu)) / (2 pi I0(kappa)).  With A = I1 / I0 (beds/bessel.hpp) the Fisher
// metric is ds^2 = h(kappa) dkappa^2 + f(kappa) dmu^2, f = kappa A(kappa), h = A'(kappa).  Near
// kappa = 0 it is the flat disc ds^2 ~ (dkappa^2 + kappa^2 dmu^2) / 2 around the uniform law; for
// large kappa it is the normal family's half-plane with sigma^2 = 1 / kappa.
//
// Distances and geodesics (no closed form).  The metric is rotationally symmetric, so along a
// unit-speed geodesic Clairaut's relation f dmu/ds = c holds and
//   dmu = c sqrt(h) / sqrt(f (f - c^2)) dkappa,   ds = dmu c + sqrt(h (f - c^2) / f) dkappa.
// A geodesic between (mu1, k1) and (mu2, k2), |mu2 - mu1| = D in [0, pi], a = min k, b = max k, is
// fixed by its lowest point kappa* <= a (f(kappa*) = c^2): it either runs monotonically from a to b
// (D = Phi(kappa*; a, b)) or dips to kappa* first (D = 2 Phi(kappa*; kappa*, a) + Phi(kappa*; a, b)).
// With sigma = -+sqrt(a - kappa*) the two branches join into one smooth increasing function
// D(sigma) from 0 (sigma = -sqrt a, the same-mean geodesic) to pi (sigma = +sqrt a, the geodesic
// through the uniform law), solved for sigma by Brent's method.  The integrals are Gauss-Legendre
// panels in v, kappa = kappa* cosh^2 v, which removes the 1/sqrt singularity at the turning point
// and makes the integrands decay like e^(-2v); the radial distance int sqrt(h) dkappa is integrated
// in w = asinh(kappa).  Measured accuracy (tests/test_von_mises.py): see the docs page accuracy.
//
// Tangent vectors are (v_mu, v_kappa).  At the uniform law (kappa = 0) the polar chart is singular:
// there a tangent is read in the Cartesian frame at angle mu, v_kappa along the direction mu and
// v_mu along mu + pi/2 (the limit of kappa v_mu), both with squared norm (v_mu^2 + v_kappa^2) / 2.
#pragma once

#include <cmath>

#include "beds/bessel.hpp"
#include "beds/math.hpp"

BEDS_NAMESPACE_BEGIN
namespace von_mises {

constexpr double kPi = 3.141592653589793238462643383279503;
constexpr double kTwoPi = 6.283185307179586476925286766559;

BEDS_HD bool valid(double mu, double k) { return math::isfinite(mu) & bessel::valid_kappa(k); }

// Angle difference wrapped to [-pi, pi].
BEDS_HD double wrap(double d) { return std::remainder(d, kTwoPi); }

// ------------------------------------------------------------------------ closed-form quantities
// Metric coefficients f = kappa A (with the Cartesian convention 1/2 at kappa = 0) and h = A'.
struct Metric {
  double f, h;
};
BEDS_HD Metric metric(double k) {
  const bessel::Values v = bessel::values(k);
  Metric m;
  m.f = k > 0.0 ? k * v.a : 0.5;
  m.h = v.a_prime;
  return m;
}

// Gauss-Legendre, 10 nodes on [-1, 1] (the positive half; the rule is symmetric).
constexpr double kGLx[5] = {0.14887433898163122, 0.4333953941292472, 0.6794095682990244, 0.8650633666889845,
                            0.9739065285171717};
constexpr double kGLw[5] = {0.2955242247147528, 0.2692667193099965, 0.219086362515982, 0.1494513491505804,
                            0.06667134430868814};

// int_k1^k2 A'(t) dt / (k2 - k1) and int_k1^k2 (k2 - t) A'(t) dt / (k2 - k1)^2 (one panel; used where
// |k2 - k1| is small compared with the scale of A', so 10 nodes are exact to rounding).
struct APrimeMoments {
  double mean, tail;
};
BEDS_HD APrimeMoments a_prime_moments(double k1, double k2) {
  const double half = 0.5 * (k2 - k1), mid = 0.5 * (k1 + k2);
  double m = 0.0, t = 0.0;
  for (int i = 0; i < 5; ++i) {
    const double lo = bessel::values(mid - half * kGLx[i]).a_prime;
    const double hi = bessel::values(mid + half * kGLx[i]).a_prime;
    m += kGLw[i] * (lo + hi);
    // weight (k2 - t) / (k2 - k1) = (1 - s) / 2 at t = mid + half s
    t += kGLw[i] * (lo * (1.0 + kGLx[i]) + hi * (1.0 - kGLx[i]));
  }
  APrimeMoments r;
  r.mean = 0.5 * m;
  r.tail = 0.25 * t;
  return r;
}
// Whether k1, k2 are close enough for a_prime_moments (A' varies on the scale max(kappa, 1)).
BEDS_HD bool near(double k1, double k2) { return math::abs(k2 - k1) <= 0.5 * math::max(math::min(k1, k2), 1.0); }

// log I0(k2) - log I0(k1) - A(k1) (k2 - k1) >= 0 (a Bregman divergence of log I0).
BEDS_HD double bregman(double k1, double k2) {
  const double d = k2 - k1;
  if (near(k1, k2)) return d * d * a_prime_moments(k1, k2).tail;
  const bessel::Values v1 = bessel::values(k1), v2 = bessel::values(k2);
  // (k2 - k1)(1 - A1) + log I0e(k2) - log I0e(k1): no large cancellation when the pair is far
  const double log_i0e1 = v1.log_i0 - k1, log_i0e2 = v2.log_i0 - k2;
  return d * v1.one_minus_a + (log_i0e2 - log_i0e1);
}

// KL(vM1 || vM2) = log I0(k2) - log I0(k1) + A(k1) (k1 - k2 cos(mu1 - mu2))
//               = bregman(k1, k2) + A(k1) k2 (1 - cos(mu1 - mu2)),  1 - cos x = 2 sin^2(x / 2).
BEDS_HD bool kl(double mu1, double k1, double mu2, double k2, double& out) {
  const bool ok = valid(mu1, k1) & valid(mu2, k2);
  if (!ok) {
    out = math::kNaN;
    return false;
  }
  const double s = std::sin(0.5 * wrap(mu1 - mu2));
  out = bregman(k1, k2) + bessel::values(k1).a * k2 * (2.0 * s * s);
  return true;
}
// Jeffreys = (k1 - k2)(A1 - A2) + (A1 k2 + A2 k1)(1 - cos(mu1 - mu2)).
BEDS_HD bool jeffreys(double mu1, double k1, double mu2, double k2, double& out) {
  const bool ok = valid(mu1, k1) & valid(mu2, k2);
  if (!ok) {
    out = math::kNaN;
    return false;
  }
  const bessel::Values v1 = bessel::values(k1), v2 = bessel::values(k2);
  const double d = k2 - k1;
  const double a_diff = near(k1, k2) ? d * a_prime_moments(k1, k2).mean : v2.a - v1.a;  // A2 - A1
  const double s = std::sin(0.5 * wrap(mu1 - mu2));
  out = d * a_diff + (v1.a * k2 + v2.a * k1) * (2.0 * s * s);
  return true;
}
// Entropy log(2 pi I0(k)) - k A(k) = log(2 pi) + log I0e(k) + k (1 - A(k)).
BEDS_HD bool entropy(double k, double& out) {
  const bool ok = bessel::valid_kappa(k);
  const bessel::Values v = bessel::values(ok ? k : 0.0);
  const double log_i0e = v.log_i0 - k;
  out = ok ? 1.8378770664093454836 + (log_i0e + k * v.one_minus_a) : math::kNaN;
  return ok;
}
// <u, v> = f u_mu v_mu + h u_kappa v_kappa.
BEDS_HD bool inner(double k, double um, double uk, double vm, double vk, double& out) {
  const bool ok =
      bessel::valid_kappa(k) & math::isfinite(um) & math::isfinite(uk) & math::isfinite(vm) & math::isfinite(vk);
  const Metric g = metric(ok ? k : 0.0);
  out = ok ? g.f * um * vm + g.h * uk * vk : math::kNaN;
  return ok;
}

// ------------------------------------------------------------------------------ quadratures
// Radial distance int_x^y sqrt(A'(k)) dk (0 <= x <= y), in w = asinh(k): the integrand
// sqrt(A') cosh(w) is about 1/sqrt(2) at both ends.
BEDS_HD double radial(double x, double y) {
  if (!(y > x)) return 0.0;
  if (y - x <= 0.01 * (x + 1.0)) {  // a short range: one panel in kappa (asinh differences would cancel)
    const double mid = 0.5 * (x + y), half = 0.5 * (y - x);
    double s = 0.0;
    for (int i = 0; i < 5; ++i)
      s += kGLw[i] * (math::sqrt(bessel::ratio(mid - half * kGLx[i]).a_prime) +
                      math::sqrt(bessel::ratio(mid + half * kGLx[i]).a_prime));
    return half * s;
  }
  const double w0 = std::asinh(x), w1 = std::asinh(y);
  const int panels = static_cast<int>(std::ceil((w1 - w0) / 1.5));
  const double width = (w1 - w0) / panels;
  double total = 0.0;
  for (int p = 0; p < panels; ++p) {
    const double mid = w0 + (p + 0.5) * width, half = 0.5 * width;
    double s = 0.0;
    for (int i = 0; i < 5; ++i) {
      for (int sgn = -1; sgn <= 1; sgn += 2) {
        const double w = mid + sgn * half * kGLx[i];
        const double k = std::sinh(w);
        s += kGLw[i] * math::sqrt(bessel::ratio(k).a_prime) * std::cosh(w);
      }
    }
    total += half * s;
  }
  return total;
}

// f(kstar + dk) - f(kstar) without cancellation: for dk small against the scale kstar + 1 of f,
// dk times the mean of f' = A + k A' (two-point Gauss-Legendre, relative error < 1e-12).
BEDS_HD double f_prime(double k) {
  const bessel::Ratio r = bessel::ratio(k);
  return r.a + k * r.a_prime;
}
BEDS_HD double f_gap(double ks, double fs, double dk) {
  if (dk <= 0.01 * (ks + 1.0)) {
    constexpr double kNode = 0.21132486540518711775;  // (1 - 1/sqrt(3)) / 2
    return dk * 0.5 * (f_prime(ks + kNode * dk) + f_prime(ks + (1.0 - kNode) * dk));
  }
  const double k = ks + dk;
  return k * bessel::ratio(k).a - fs;
}

// The Clairaut integrals from the lowest point kstar of a geodesic (c^2 = fstar = f(kstar) > 0):
//   phi  = int c sqrt(h) / sqrt(f (f - c^2)) dkappa                      (angle swept)
//   corr = int sqrt(h) (1 - sqrt(1 - c^2 / f)) dkappa                     (radial minus Psi)
// in v with kappa = kstar cosh^2 v, i.e. kappa - kstar = kstar sinh^2 v, over [v(x), v(y)] with
// the partial sums at v(mid) as well (x <= mid <= y, given as offsets dx, dmid, dy from kstar so
// that geodesics that stay in a thin band kstar <= kappa <= kstar (1 + 1e-14) keep their digits),
// on Gauss-Legendre panels of growing width.  Both integrands decay like e^(-2 (v - v(x))), so the
// sum stops 18 units past v(x) (below 1e-15 relative).
//   psi  = int sqrt(h (f - c^2) / f) dkappa = radial - corr   (valid when `whole`; used for thin
//          geodesics, where radial - corr cancels; elsewhere radial - corr is the more accurate)
struct Clairaut {
  double phi_mid, corr_mid, psi_mid;  // over [x, mid]
  double phi, corr, psi;              // over [x, y]
  bool whole;                         // the range was not cut at v(x) + 18 (psi is valid)
};
BEDS_HD double v_of(double dk, double kstar) { return std::asinh(math::sqrt(dk / kstar)); }
// v(d2) - v(d1) for d1 <= d2 without cancellation: asinh(x2) - asinh(x1) = asinh(x2 sqrt(1 + x1^2)
// - x1 sqrt(1 + x2^2)), and that difference is ((d2 - d1) / kstar) / (x2 sqrt(1 + x1^2) + x1 sqrt(1 + x2^2)).
BEDS_HD double v_span(double d1, double d2, double kstar) {
  const double x1 = math::sqrt(d1 / kstar), x2 = math::sqrt(d2 / kstar);
  const double den = x2 * math::sqrt(1.0 + x1 * x1) + x1 * math::sqrt(1.0 + x2 * x2);
  return den > 0.0 ? std::asinh(((d2 - d1) / kstar) / den) : 0.0;
}
BEDS_HD Clairaut clairaut(double kstar, double fstar, double dx, double dmid, double dy, bool want_corr) {
  Clairaut out{0.0, 0.0, 0.0, 0.0, 0.0, 0.0, true};
  // panels on [0, span] in u = v - v(x) (spans computed without cancellation for thin ranges)
  const double v0 = v_of(dx, kstar);
  const double vcap = 18.0;
  const double span_end = v_span(dx, dy, kstar);
  out.whole = span_end <= vcap;
  const double vmid = math::min(v_span(dx, dmid, kstar), vcap);
  const double vend = math::min(span_end, vcap);
  const double c = math::sqrt(fstar);
  double lo = 0.0, width = 0.5;
  bool mid_done = !(vmid > 0.0);
  int guard = 0;
  while (lo < vend && guard++ < 64) {
    double hi = math::min(lo + width, vend);
    if (!mid_done && hi > vmid) hi = vmid;  // a panel boundary at v(mid)
    const double centre = 0.5 * (lo + hi), half = 0.5 * (hi - lo);
    double sp = 0.0, sc = 0.0, ss = 0.0;
    for (int i = 0; i < 5; ++i) {
      for (int sgn = -1; sgn <= 1; sgn += 2) {
        const double v = v0 + (centre + sgn * half * kGLx[i]);
        // cosh v and sinh v from one expm1 (accurate sinh for small v)
        const double em1 = math::expm1(v);
        const double ev = 1.0 + em1;
        const double sh = 0.5 * (em1 + em1 / ev), ch = sh + 1.0 / ev;
        const double dk = kstar * sh * sh;  // kappa - kstar
        const double k = kstar + dk;
        const double dkdv = 2.0 * kstar * ch * sh;  // dkappa / dv
        const bessel::Ratio bv = bessel::ratio(k);
        const double f = k * bv.a, sqrt_h = math::sqrt(bv.a_prime);
        const double gap = math::max(f_gap(kstar, fstar, dk), 0.0);  // f - c^2
        const double root = math::sqrt(gap);
        // near v = 0, sqrt(gap) ~ sqrt(f'(kstar) kstar) sinh v: dkdv / root stays finite
        const double ratio = root > 0.0 ? dkdv / root : 2.0 * math::sqrt(kstar / f_prime(kstar));
        sp += kGLw[i] * (c * sqrt_h / math::sqrt(f)) * ratio;
        if (want_corr) {
          const double q = fstar / f;
          const double t = math::sqrt(gap / f);
          sc += kGLw[i] * sqrt_h * (q / (1.0 + t)) * dkdv;
          ss += kGLw[i] * sqrt_h * t * dkdv;
        }
      }
    }
    out.phi += half * sp;
    out.corr += half * sc;
    out.psi += half * ss;
    if (!mid_done && hi >= vmid) {
      out.phi_mid = out.phi;
      out.corr_mid = out.corr;
      out.psi_mid = out.psi;
      mid_done = true;
    }
    lo = hi;
    width = math::min(2.0 * width, 1.0);
  }
  if (!mid_done) {
    out.phi_mid = out.phi;
    out.corr_mid = out.corr;
    out.psi_mid = out.psi;
  }
  return out;
}

// f(kappa) = kappa A(kappa) at kstar.
BEDS_HD double f_of(double k) { return k * bessel::ratio(k).a; }

// -------------------------------------------------------------------------------- distance
// The geodesic between two beliefs, as far as the distance and log map need it.
struct Geodesic {
  double distance;
  double c;      // Clairaut constant (>= 0; 0 for the same-mean and through-the-uniform cases)
  double kstar;  // lowest kappa of the geodesic (its turning point if `turning`)
  double delta;  // min(k1, k2) - kstar (exact: kept apart from kstar for thin geodesics)
  bool turning;  // the geodesic dips below min(k1, k2) before rising
};

// Angle swept by the geodesic with parameter sigma (see the file comment).  Near the junction
// sigma = 0 (thin geodesics, kstar close to a) sigma itself is the variable; near the ends
// (kstar close to 0: |dmu| close to 0 or pi) it is tau = sqrt(a) - |sigma|, so that kstar =
// tau (2 sqrt(a) - tau) keeps its relative accuracy there.
struct Sweep {
  double a, b, sa;  // a = min kappa, b = max kappa, sa = sqrt(a)
};
struct Lowest {
  double ks, da;  // kstar and a - kstar
};
BEDS_HD Lowest lowest_sigma(const Sweep& s, double sigma) {
  const double m = math::abs(sigma);
  return Lowest{(s.sa - m) * (s.sa + m), m * m};
}
BEDS_HD Lowest lowest_tau(const Sweep& s, double tau) {
  const double m = s.sa - tau;
  return Lowest{tau * (s.sa + m), m * m};
}
BEDS_HD double swept_at(const Sweep& s, const Lowest& l, bool turning) {
  if (!(l.ks > 0.0)) return turning ? kPi : 0.0;
  const double fs = f_of(l.ks);
  const double db = l.da + (s.b - s.a);  // b - kstar
  if (turning) {                         // kstar -> a -> kstar -> b: phi[kstar, a] + phi[kstar, b]
    const Clairaut q = clairaut(l.ks, fs, 0.0, l.da, db, false);
    return q.phi_mid + q.phi;
  }
  return clairaut(l.ks, fs, l.da, l.da, db, false).phi;
}

// Brent's method for g(x) = 0 on [lo, hi] with g(lo) <= 0 <= g(hi) (values given).
template <class G>
BEDS_HD double brent(G&& g, double lo, double hi, double glo, double ghi, double xtol) {
  double a = lo, b = hi, fa = glo, fb = ghi;
  if (math::abs(fa) < math::abs(fb)) {
    double t = a;
    a = b;
    b = t;
    t = fa;
    fa = fb;
    fb = t;
  }
  double c = a, fc = fa, d = b - a;
  bool bisected = true;
  for (int it = 0; it < 100; ++it) {
    // absolute floor xtol, else 2 ulp of the current estimate (roots near 0 keep their digits)
    const double tol = math::max(xtol, 4.5e-16 * math::abs(b));
    if (fb == 0.0 || math::abs(b - a) <= tol) break;
    double s;
    if (fa != fc && fb != fc) {
      s = a * fb * fc / ((fa - fb) * (fa - fc)) + b * fa * fc / ((fb - fa) * (fb - fc)) +
          c * fa * fb / ((fc - fa) * (fc - fb));
    } else {
      s = b - fb * (b - a) / (fb - fa);
    }
    const double m = 0.25 * (3.0 * a + b);
    const bool outside = !((s > math::min(m, b) && s < math::max(m, b)));
    const bool slow =
        bisected ? math::abs(s - b) >= 0.5 * math::abs(b - c) : math::abs(s - b) >= 0.5 * math::abs(c - d);
    const bool tiny = bisected ? math::abs(b - c) < tol : math::abs(c - d) < tol;
    if (outside || slow || tiny) {
      s = 0.5 * (a + b);
      bisected = true;
    } else {
      bisected = false;
    }
    const double fs = g(s);
    d = c;
    c = b;
    fc = fb;
    if ((fa < 0.0) != (fs < 0.0)) {
      b = s;
      fb = fs;
    } else {
      a = s;
      fa = fs;
    }
    if (math::abs(fa) < math::abs(fb)) {
      double t = a;
      a = b;
      b = t;
      t = fa;
      fa = fb;
      fb = t;
    }
  }
  return b;
}

// The geodesic between (k1, k2) at angle difference dmu in [0, pi].
BEDS_HD Geodesic geodesic_between(double k1, double k2, double dmu) {
  Geodesic out{0.0, 0.0, 0.0, 0.0, false};
  const double a = math::min(k1, k2), b = math::max(k1, k2);
  if (a == 0.0 || dmu == 0.0) {
    out.distance = radial(a, b);
    return out;
  }
  if (dmu >= kPi) {
    out.distance = radial(0.0, a) + radial(0.0, b);
    out.turning = true;
    return out;
  }
  Sweep s{a, b, math::sqrt(a)};
  // the junction sigma = 0 (kstar = a) decides the branch, the midpoint |sigma| = sqrt(a)/2 the
  // variable (sigma between the junction and the midpoint, tau beyond)
  const double at0 = swept_at(s, Lowest{a, 0.0}, false);
  const bool turning = dmu > at0;
  const double half = 0.5 * s.sa;
  const double sg = turning ? 1.0 : -1.0;
  const double at_half = swept_at(s, lowest_sigma(s, half), turning);
  Lowest low{a, 0.0};
  if (dmu != at0) {
    if (turning ? dmu <= at_half : dmu >= at_half) {
      auto g = [&](double m) { return swept_at(s, lowest_sigma(s, m), turning) - dmu; };
      const double m = brent(g, 0.0, half, at0 - dmu, at_half - dmu, 1e-30 * s.sa);
      low = lowest_sigma(s, sg * m);
    } else {
      auto g = [&](double t) { return swept_at(s, lowest_tau(s, t), turning) - dmu; };
      const double end = turning ? kPi : 0.0;
      const double t = brent(g, 0.0, half, end - dmu, at_half - dmu, 1e-300);
      low = lowest_tau(s, t);
    }
  }
  const double ks = low.ks, da = low.da, db = da + (b - a);
  out.kstar = ks;
  out.delta = da;
  out.turning = turning;
  if (!(ks > 0.0)) {  // the root sits at an end of the bracket
    out.distance = out.turning ? radial(0.0, a) + radial(0.0, b) : radial(a, b);
    return out;
  }
  const double fs = f_of(ks);
  out.c = math::sqrt(fs);
  double psi;
  // psi directly for thin geodesics (kappa within 1% of kstar: radial - corr would cancel), else
  // as the radial distance minus the decaying correction
  const bool thin = db <= 0.01 * (ks + 1.0);
  if (out.turning) {  // 2 [kstar, a] + [a, b] = [kstar, a] + [kstar, b]
    const Clairaut q = clairaut(ks, fs, 0.0, da, db, true);
    if (thin) {
      psi = q.psi_mid + q.psi;
    } else {
      const double r_ka = radial(ks, a);
      psi = (r_ka - q.corr_mid) + (r_ka + radial(a, b) - q.corr);
    }
  } else {
    const Clairaut q = clairaut(ks, fs, da, da, db, true);
    psi = thin ? q.psi : radial(a, b) - q.corr;
  }
  out.distance = out.c * dmu + psi;
  return out;
}

BEDS_HD bool distance(double mu1, double k1, double mu2, double k2, double& out) {
  const bool ok = valid(mu1, k1) & valid(mu2, k2);
  if (!ok) {
    out = math::kNaN;
    return false;
  }
  out = geodesic_between(k1, k2, math::abs(wrap(mu2 - mu1))).distance;
  return true;
}

// ------------------------------------------------------------------- log, exp, geodesic, transport
// Unit tangent (mu', kappa') at kappa = k of a geodesic with Clairaut constant c (gap = f(k) - c^2,
// computed without cancellation by the caller), moving toward larger mu when sgn > 0 and toward
// larger kappa when dir > 0.
struct Unit {
  double mu, kappa;
};
BEDS_HD Unit unit_tangent(double k, double gap, double c, double sgn, double dir) {
  const Metric g = metric(k);
  const double q = math::max(gap / g.f, 0.0);  // 1 - c^2 / f, gap = f(k) - c^2
  Unit u;
  u.mu = sgn * c / g.f;
  u.kappa = dir * math::sqrt(q / g.h);
  return u;
}

// Log_p1(p2) written into (vm, vk); the geodesic data goes to *g when non-null.
BEDS_HD void log_map(double mu1, double k1, double mu2, double k2, double& vm, double& vk) {
  const double diff = wrap(mu2 - mu1);
  const double dmu = math::abs(diff);
  const Geodesic geo = geodesic_between(k1, k2, dmu);
  const double d = geo.distance;
  if (!(d > 0.0)) {
    vm = 0.0;
    vk = 0.0;
    return;
  }
  if (k1 == 0.0) {  // Cartesian frame at the uniform law: unit speed has Euclidean length sqrt(2)
    constexpr double kSqrt2 = 1.4142135623730950488;
    vm = kSqrt2 * d * std::sin(diff);
    vk = kSqrt2 * d * std::cos(diff);
    return;
  }
  const double sgn = diff > 0.0 ? 1.0 : (diff < 0.0 ? -1.0 : 0.0);
  const double dir = geo.turning ? -1.0 : (k1 < k2 ? 1.0 : -1.0);
  const double gap = geo.c > 0.0 ? f_gap(geo.kstar, geo.c * geo.c, (k1 - math::min(k1, k2)) + geo.delta) : f_of(k1);
  const Unit u = unit_tangent(k1, gap, geo.c, sgn, dir);
  vm = d * u.mu;
  vk = d * u.kappa;
}

BEDS_HD bool log(double mu1, double k1, double mu2, double k2, double& vm, double& vk) {
  const bool ok = valid(mu1, k1) & valid(mu2, k2);
  if (!ok) {
    vm = vk = math::kNaN;
    return false;
  }
  log_map(mu1, k1, mu2, k2, vm, vk);
  return true;
}

// The kappa >= x with radial(x, kappa) = length.  In w = asinh(kappa) the radial speed
// sqrt(A') cosh(w) lies in [0.70, 0.91], which brackets the root.
BEDS_HD double radial_inverse(double x, double length) {
  if (!(length > 0.0)) return x;
  const double w0 = std::asinh(x);
  auto g = [&](double w) { return radial(x, std::sinh(w)) - length; };
  const double lo = w0 + length, hi = w0 + 1.5 * length;
  const double w = brent(g, lo, hi, g(lo), g(hi), 4e-16 * math::max(hi, 1e-300));
  return std::sinh(w);
}

// Integrals from the lowest point kstar of a geodesic up to kappa(v) = kstar cosh^2 v:
// swept angle and arc length.
struct FromBottom {
  double phi, length;
};
BEDS_HD FromBottom from_bottom(double ks, double fs, double v) {
  const double sh = std::sinh(v);
  const double dk = ks * sh * sh;
  const Clairaut q = clairaut(ks, fs, 0.0, dk, dk, true);
  FromBottom r;
  r.phi = q.phi;
  r.length = math::sqrt(fs) * q.phi + (dk <= 0.01 * (ks + 1.0) ? q.psi : radial(ks, ks + dk) - q.corr);
  return r;
}

// delta = k0 - kstar in [0, k0] with f(k0) - f(kstar) = gap0 (0 < gap0 <= f(k0)): Brent on delta.
BEDS_HD double f_inverse_delta(double gap0, double k0) {
  auto g = [&](double d) {
    const double ks = k0 - d;
    return f_gap(ks, f_of(ks), d) - gap0;
  };
  return brent(g, 0.0, k0, -gap0, f_of(k0) - gap0, 1e-30 * k0);
}

// Exp_p(v): walks the geodesic with initial velocity v for its length.
BEDS_HD void exp_map(double mu0, double k0, double vm, double vk, double& mu, double& k) {
  if (k0 == 0.0) {  // Cartesian frame at the uniform law
    const double length = math::sqrt(0.5 * (vm * vm + vk * vk));
    mu = length > 0.0 ? wrap(mu0 + std::atan2(vm, vk)) : mu0;
    k = radial_inverse(0.0, length);
    return;
  }
  const Metric g0 = metric(k0);
  const double length = math::sqrt(g0.f * vm * vm + g0.h * vk * vk);
  if (!(length > 0.0)) {
    mu = mu0;
    k = k0;
    return;
  }
  const double c = g0.f * math::abs(vm) / length;  // Clairaut constant of the unit-speed geodesic
  const double sgn = vm > 0.0 ? 1.0 : -1.0;
  if (!(c > 0.0) || !(c * c > 0.0)) {  // radial geodesic (through the uniform law if it goes inward far enough)
    if (vk >= 0.0) {
      mu = mu0;
      k = radial_inverse(k0, length);
      return;
    }
    const double to_centre = radial(0.0, k0);
    if (length <= to_centre) {
      mu = mu0;
      // kappa <= k0 with radial(kappa, k0) = length, i.e. radial(0, kappa) = to_centre - length
      k = radial_inverse(0.0, to_centre - length);
      return;
    }
    mu = wrap(mu0 + kPi);
    k = radial_inverse(0.0, length - to_centre);
    return;
  }
  // c^2 = f0 (f0 vm^2 / L^2) and f(k0) - c^2 = f0 (h0 vk^2 / L^2), both without cancellation: the
  // lowest point comes from the smaller one (kstar near 0: radial motion; near k0: circular)
  const double c2 = g0.f * (g0.f * vm * vm) / (length * length);
  const double gap0 = g0.f * (g0.h * vk * vk) / (length * length);
  double ks, delta;
  if (c2 <= gap0) {
    auto g = [&](double k) { return f_of(k) - c2; };
    ks = brent(g, 0.0, k0, -c2, gap0, 1e-300);
    delta = k0 - ks;
  } else {
    delta = gap0 > 0.0 ? f_inverse_delta(gap0, k0) : 0.0;
    ks = k0 - delta;
  }
  const double fs = f_of(ks);
  const double v0 = v_of(delta, ks);
  const FromBottom at0 = from_bottom(ks, fs, v0);
  double target, phi_sign;
  if (vk >= 0.0) {
    target = length + at0.length;
    phi_sign = -1.0;  // dmu = phi(end) - phi(k0)
  } else if (length <= at0.length) {
    target = at0.length - length;
    phi_sign = 0.0;  // dmu = phi(k0) - phi(end)
  } else {
    target = length - at0.length;
    phi_sign = 1.0;  // dmu = phi(k0) + phi(end)
  }
  auto gfun = [&](double v) { return from_bottom(ks, fs, v).length - target; };
  double lo = 0.0, hi = math::max(v0, 0.5);
  double glo = -target, ghi = gfun(hi);
  for (int i = 0; i < 60 && ghi < 0.0; ++i) {
    lo = hi;
    glo = ghi;
    hi = 2.0 * hi + 1.0;
    ghi = gfun(hi);
  }
  const double v = target > 0.0 ? brent(gfun, lo, hi, glo, ghi, 4e-16 * hi) : 0.0;
  const FromBottom end = from_bottom(ks, fs, v);
  double dmu;
  if (phi_sign < 0.0)
    dmu = end.phi - at0.phi;
  else if (phi_sign == 0.0)
    dmu = at0.phi - end.phi;
  else
    dmu = at0.phi + end.phi;
  const double sh = std::sinh(v);
  mu = wrap(mu0 + sgn * dmu);
  k = ks + ks * sh * sh;
}

BEDS_HD bool exp(double mu0, double k0, double vm, double vk, double& mu, double& k) {
  const bool ok = valid(mu0, k0) & math::isfinite(vm) & math::isfinite(vk);
  if (!ok) {
    mu = k = math::kNaN;
    return false;
  }
  exp_map(mu0, k0, vm, vk, mu, k);
  const bool inside = math::isfinite(k);  // an enormous velocity can run to kappa = inf
  if (!inside) mu = k = math::kNaN;
  return inside;
}

BEDS_HD bool geodesic(double mu1, double k1, double mu2, double k2, double t, double& mu, double& k) {
  const bool ok = valid(mu1, k1) & valid(mu2, k2) & math::isfinite(t);
  if (!ok) {
    mu = k = math::kNaN;
    return false;
  }
  double vm, vk;
  log_map(mu1, k1, mu2, k2, vm, vk);
  exp_map(mu1, k1, t * vm, t * vk, mu, k);
  const bool inside = math::isfinite(k);
  if (!inside) mu = k = math::kNaN;
  return inside;
}

// Parallel transport along the geodesic p1 -> p2: on a surface the transported vector keeps its
// length and its angle with the geodesic's tangent.  Orthonormal components (sqrt(f) v_mu,
// sqrt(h) v_kappa) in the polar frame (the Cartesian frame at angle mu at kappa = 0).
BEDS_HD bool transport(double mu1, double k1, double mu2, double k2, double vm, double vk, double& om, double& ok_) {
  const bool ok = valid(mu1, k1) & valid(mu2, k2) & math::isfinite(vm) & math::isfinite(vk);
  if (!ok) {
    om = ok_ = math::kNaN;
    return false;
  }
  double t1m, t1k, t2m, t2k;
  log_map(mu1, k1, mu2, k2, t1m, t1k);
  log_map(mu2, k2, mu1, k1, t2m, t2k);
  const Metric g1 = metric(k1), g2 = metric(k2);
  const double s1f = math::sqrt(g1.f), s1h = math::sqrt(g1.h), s2f = math::sqrt(g2.f), s2h = math::sqrt(g2.h);
  double a_m = s1f * t1m, a_k = s1h * t1k;    // tangent at p1, orthonormal frame
  double b_m = -s2f * t2m, b_k = -s2h * t2k;  // arrival tangent at p2
  const double na = math::sqrt(a_m * a_m + a_k * a_k), nb = math::sqrt(b_m * b_m + b_k * b_k);
  if (!(na > 0.0) || !(nb > 0.0)) {  // p1 = p2
    om = vm;
    ok_ = vk;
    return true;
  }
  a_m /= na;
  a_k /= na;
  b_m /= nb;
  b_k /= nb;
  const double xm = s1f * vm, xk = s1h * vk;
  const double along = xm * a_m + xk * a_k;    // component along the geodesic
  const double across = -xm * a_k + xk * a_m;  // along J a = (-a_k, a_m)
  const double ym = along * b_m - across * b_k, yk = along * b_k + across * b_m;
  om = ym / s2f;
  ok_ = yk / s2h;
  return true;
}

}  // namespace von_mises
BEDS_NAMESPACE_END

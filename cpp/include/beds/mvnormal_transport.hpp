// Parallel transport of tangent vectors along the Fisher-Rao geodesics of multivariate normals.
//
// Levi-Civita connection of ds^2 = dmu^T Sigma^-1 dmu + 1/2 tr((Sigma^-1 dSigma)^2) (polarizing the
// geodesic equations of Skovgaard 1984): along a curve (mu(t), Sigma(t)) a tangent field (y, C) is
// parallel iff
//   y' = 1/2 (Sigma' Sigma^-1 y + C Sigma^-1 mu'),
//   C' = -1/2 (mu' y^T + y mu'^T) + 1/2 (Sigma' Sigma^-1 C + C Sigma^-1 Sigma').
// Affine maps are isometries, so the pair is first moved to N(0, I) (Cholesky factor L1 of
// Sigma1), where the geodesic with initial velocity (x, B) is Eriksen's Lambda(t) = expm(t A):
// Sigma(t)^-1 = Delta(t) = Lambda[0:d, 0:d], Sigma(t)^-1 mu(t) = delta(t) = Lambda[d, 0:d], and A
// symmetric of size 2d + 1, so Lambda(t) and Lambda'(t) = A Lambda(t) at any t come from one
// eigen-decomposition of A.  The transported vector is written in the moving frame
// L(t) = R(t)^-T, R(t) = chol(Delta(t)) (so L L^T = Sigma): y = L yh, C = L Ch L^T.  In that frame
//   yh' = -W yh + 1/2 Ch xh,   Ch' = -W Ch + Ch W - 1/2 (xh yh^T + yh xh^T),
// xh = R^-1 (delta' - Delta' mu) (the mean velocity in the frame) and W the antisymmetric part of
// -K, K = L^-1 L' = -Phi^T, Phi the lower triangle of R^-1 Delta' R^-T with half its diagonal.  The
// right-hand side is skew-adjoint for |yh|^2 + 1/2 |Ch|_F^2, so the frame components rotate
// isometrically; the equation is integrated by 8-stage Gauss-Legendre collocation (order 16, which
// conserves quadratic invariants: the result is an isometry to rounding error), its stage
// equations solved by fixed-point iteration, h |A|_2 <= 1.5.
// Same mean (mu1 = mu2): the geodesic stays in the covariance submanifold, where the transport has
// the closed form of the affine-invariant SPD geometry: E = (Sigma2 Sigma1^-1)^1/2, y -> E y,
// C -> E C E^T (at N(0, I): E = S^1/2, S = L1^-1 Sigma2 L1^-T).
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>

#include "beds/interrupt.hpp"
#include "beds/mvnormal.hpp"
#include "beds/sym_eigen.hpp"

namespace beds {
namespace mvnormal {

namespace gl8 {
// Gauss-Legendre collocation with 8 stages on [0, 1] (nodes, weights, Butcher matrix; computed at
// 40 digits with mpmath).
constexpr double c[8] = {0.0198550717512318841582, 0.101666761293186630204, 0.237233795041835507091,
                         0.40828267875217509753,   0.59171732124782490247,  0.762766204958164492909,
                         0.898333238706813369796,  0.980144928248768115842};
constexpr double b[8] = {0.0506142681451881295763, 0.111190517226687235272, 0.156853322938943643669,
                         0.181341891689180991483,  0.181341891689180991483, 0.156853322938943643669,
                         0.111190517226687235272,  0.0506142681451881295763};
constexpr double a[8][8] = {
    {0.0253071340725940647881, -0.00910594330597007502136, 0.00628083114703047398061, -0.00448301561305475144191,
     0.00307849136832677988985, -0.00191767525463695234093, 0.000972757664059263526725, -0.000277508327116919222898},
    {0.0547593217675543202832, 0.0555952586133436176361, -0.013639796235781669253, 0.00814970885836055053604,
     -0.00521535208914715338024, 0.00313975298546366894235, -0.0015649349109489423758, 0.000442802304342237815627},
    {0.0485875359989128809432, 0.120859524997173167442, 0.0784266614694718218345, -0.0159751033618784314757,
     0.00837173272022616378691, -0.00464346586210447979013, 0.00222571477528489971832, -0.000618805695250515367603},
    {0.0518655209705812345653, 0.106193490148348406879, 0.170671134274553621285, 0.0906709458445904957413,
     -0.0160210413210250131687, 0.0072412065612222698618, -0.00319781431036077032248, 0.000859236584264852689467},
    {0.0497550315609232768868, 0.114388331537048005595, 0.149612116377721373807, 0.197362933010206004651,
     0.0906709458445904957413, -0.0138178113356099776157, 0.00499702707833882839331, -0.00125125282539310498905},
    {0.0512330738404386449439, 0.108964802451402335554, 0.161496788801048123459, 0.172970158968954827696,
     0.197316995051059422958, 0.0784266614694718218345, -0.00966900777048593216948, 0.00202673214627524863311},
    {0.0501714658408458917606, 0.112755452137636177648, 0.153713569953479974727, 0.186557243778328144863,
     0.173192182830820440947, 0.170493119174725312922, 0.0555952586133436176361, -0.00414505362236619070693},
    {0.0508917764723050487992, 0.110217759562627971745, 0.15877099819358059601, 0.178263400320854211593,
     0.185824907302235742924, 0.150572491791913169688, 0.120296460532657310294, 0.0253071340725940647881}};
}  // namespace gl8

// The geodesic from N(0, I) with initial velocity (x, B), evaluated at any t from the eigen-
// decomposition A = U diag(a) U^T of Eriksen's generator.
template <int D>
struct GeodesicFrames {
  static constexpr int N = twice_plus1(D);
  Vec<N> a;
  Mat<N> U;
  Eigen::Index d = 0;

  bool set(const Vec<D>& x, const Mat<D>& B) {
    d = x.size();
    Mat<N> A;
    GeneratorFull<D>::build(x, B, A);
    return sym_eigen::eigen_decomposition(A, a, U);
  }
  double spectral_radius() const { return a.cwiseAbs().maxCoeff(); }

  // At t: R = chol(Delta), and the frame coefficients xh, W of the transport equation.
  bool at(double t, Mat<D>& R, Vec<D>* xh, Mat<D>* W) const {
    const Eigen::Index n = 2 * d + 1;
    Vec<N> e(n), ae(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      e(i) = std::exp(t * a(i));
      ae(i) = a(i) * e(i);
    }
    // rows 0..d, columns 0..d-1 of Lambda = U diag(e) U^T and of Lambda' = U diag(a e) U^T
    const auto Ut = U.topRows(d + 1);
    const auto Uc = U.topRows(d);
    const Eigen::Matrix<double, plus1(D), D> Lam = Ut * e.asDiagonal() * Uc.transpose();
    const Mat<D> Delta = 0.5 * (Lam.topRows(d) + Lam.topRows(d).transpose());
    if (!cholesky<D>(Delta, R)) return false;
    if (!xh) return true;
    const Eigen::Matrix<double, plus1(D), D> dLam = Ut * ae.asDiagonal() * Uc.transpose();
    const Mat<D> dDelta = 0.5 * (dLam.topRows(d) + dLam.topRows(d).transpose());
    const Vec<D> delta = Lam.row(d).transpose(), ddelta = dLam.row(d).transpose();
    // mu = Delta^-1 delta = R^-T R^-1 delta
    Vec<D> mu = delta;
    solve_lower_in_place<D>(R, mu);
    R.transpose().template triangularView<Eigen::Upper>().solveInPlace(mu);
    Vec<D> v = ddelta - dDelta * mu;
    solve_lower_in_place<D>(R, v);
    *xh = v;
    const Mat<D> T = congruence_inv<D>(R, dDelta);
    W->setZero(d, d);
    for (Eigen::Index j = 0; j < d; ++j)
      for (Eigen::Index i = j + 1; i < d; ++i) {
        (*W)(i, j) = 0.5 * T(i, j);
        (*W)(j, i) = -0.5 * T(i, j);
      }
    return xh->allFinite() && W->allFinite();
  }
};

// Right-hand side of the frame transport equation.
template <int D>
inline void transport_rhs(const Vec<D>& xh, const Mat<D>& W, const Vec<D>& y, const Mat<D>& C, Vec<D>& dy, Mat<D>& dC) {
  dy.noalias() = 0.5 * (C * xh) - W * y;
  const Vec<D> hx = 0.5 * xh;
  dC.noalias() = C * W - W * C;
  dC.noalias() -= hx * y.transpose() + y * hx.transpose();
}

// Transport of (y, C) at N(0, I) along the geodesic with initial velocity (x, B) to its point at
// t = 1; the result (yo, Co) is expressed in the same normalized coordinates (point 1 at N(0, I)).
template <int D>
bool transport_at_identity(const Vec<D>& x, const Mat<D>& B, const Vec<D>& y, const Mat<D>& C, Vec<D>& yo, Mat<D>& Co) {
  const Eigen::Index d = x.size();
  GeodesicFrames<D> g;
  if (!g.set(x, B)) return false;
  const double omega = g.spectral_radius();
  if (!std::isfinite(omega)) return false;
  long long steps = std::max<long long>(1, static_cast<long long>(std::ceil(omega / 1.5)));
  if (steps > 100000) return false;  // a geodesic longer than any representable point
  for (int attempt = 0; attempt < 3; ++attempt, steps *= 2) {
    const double h = 1.0 / static_cast<double>(steps);
    Vec<D> z = y;
    Mat<D> Z = C;
    bool ok = true;
    Vec<D> xs[8], ky[8];
    Mat<D> Ws[8], kC[8];
    Mat<D> R;
    for (long long k = 0; k < steps && ok; ++k) {
      if (interrupt_requested()) return false;  // Ctrl-C: the row is computed again or dropped
      for (int i = 0; i < 8 && ok; ++i) {
        ok = g.at((static_cast<double>(k) + gl8::c[i]) * h, R, &xs[i], &Ws[i]);
        ky[i].setZero(d);
        kC[i].setZero(d, d);
      }
      if (!ok) break;
      // fixed-point iteration on the stage slopes
      const double scale = std::sqrt(z.squaredNorm() + 0.5 * Z.squaredNorm());
      bool converged = scale == 0.0;
      double prev_change = std::numeric_limits<double>::infinity();
      for (int it = 0; it < 60 && !converged; ++it) {
        double change = 0.0;
        for (int i = 0; i < 8; ++i) {
          Vec<D> zi = z;
          Mat<D> Zi = Z;
          for (int j = 0; j < 8; ++j) {
            zi += (h * gl8::a[i][j]) * ky[j];
            Zi += (h * gl8::a[i][j]) * kC[j];
          }
          Vec<D> ny;
          Mat<D> nC;
          transport_rhs<D>(xs[i], Ws[i], zi, Zi, ny, nC);
          change = std::max(change, (ny - ky[i]).cwiseAbs().maxCoeff() + (nC - kC[i]).cwiseAbs().maxCoeff());
          ky[i] = ny;
          kC[i] = nC;
        }
        // converged at rounding level: the slopes' own rounding noise is about eps |Omega| scale
        converged = h * change <= 1e-16 * scale || (h * change <= 1e-12 * scale && change >= 0.5 * prev_change);
        prev_change = change;
        if (!std::isfinite(change)) break;
      }
      if (!converged) {
        ok = false;
        break;
      }
      for (int j = 0; j < 8; ++j) {
        z += (h * gl8::b[j]) * ky[j];
        Z += (h * gl8::b[j]) * kC[j];
      }
    }
    if (!ok) continue;  // stage iteration did not converge: halve the step
    // back from the frame at t = 1: y = R^-T yh, C = R^-T Ch R^-1
    if (!g.at(1.0, R, nullptr, nullptr)) return false;
    const auto Rt = R.transpose().template triangularView<Eigen::Upper>();
    yo = Rt.solve(z);
    Mat<D> Y = Rt.solve(Mat<D>(0.5 * (Z + Z.transpose())));
    Co = Rt.solve(Mat<D>(Y.transpose()));
    Co = 0.5 * (Co + Co.transpose());
    return yo.allFinite() && Co.allFinite();
  }
  return false;
}

// Same-mean closed form at N(0, I): E = S^1/2 for S = I + M, (y, C) -> (E y, E C E).
template <int D>
bool transport_same_mean_at_identity(const Mat<D>& M, const Vec<D>& y, const Mat<D>& C, Vec<D>& yo, Mat<D>& Co) {
  Vec<D> mu;
  Mat<D> V;
  if (!sym_eigen::eigen_decomposition(M, mu, V)) return false;
  Vec<D> s(mu.size());
  for (Eigen::Index i = 0; i < mu.size(); ++i) {
    if (!(mu(i) > -1.0)) return false;
    s(i) = std::sqrt(1.0 + mu(i));
  }
  const Mat<D> E = V * s.asDiagonal() * V.transpose();
  yo = E * y;
  Co = E * C * E;
  Co = 0.5 * (Co + Co.transpose());
  return yo.allFinite() && Co.allFinite();
}

}  // namespace mvnormal
}  // namespace beds

"""Fisher-Rao geodesics of three belief manifolds: normal, von Mises and categorical.

* Normal beliefs N(mu, sigma^2) form a hyperbolic half-plane: the geodesic between two beliefs with
  different means is a half-ellipse that rises to larger sigma (it is cheaper to move the mean
  where the belief is vague), not the straight line in (mu, sigma).
* von Mises beliefs vM(mu, kappa) dip toward the uniform law (kappa = 0) between distant mean
  directions; between directions pi apart the geodesic passes through it.
* Categorical beliefs on 3 classes are the positive octant of a sphere of radius 2: geodesics are
  great circles, and they bend toward the middle of the simplex.

For each family the script samples the geodesics with ``beds.geodesic``, checks that the length of
the sampled path (the sum of the distances between consecutive points) equals the distance between
its ends, and prints the lowest point of each path.

Run:  python examples/geodesics.py   (well under a second)
"""

from __future__ import annotations

import beds
import numpy as np

T = np.linspace(0.0, 1.0, 201)


def path_length(path: beds.Belief) -> float:
    """FR length of a sampled path: the sum of the distances between consecutive points."""
    return float(np.sum(beds.distance(path[:-1], path[1:])))


def normal_paths() -> list[tuple[beds.Normal, beds.Normal, beds.Normal]]:
    """Geodesics from N(0, 1) to N(m, 1) for several means m (and one to a sharper belief)."""
    p = beds.Normal(0.0, 1.0)
    targets = [beds.Normal(m, s) for m, s in [(1.0, 1.0), (3.0, 1.0), (6.0, 1.0), (4.0, 0.3)]]
    return [(p, q, beds.geodesic(p, q, T)) for q in targets]


def von_mises_paths() -> list[tuple[beds.VonMises, beds.VonMises, beds.VonMises]]:
    """Geodesics from vM(0, 2) to vM(mu, 2) for mean directions up to pi apart."""
    p = beds.VonMises(0.0, 2.0)
    targets = [beds.VonMises(mu, 2.0) for mu in (np.pi / 4, np.pi / 2, 3 * np.pi / 4, np.pi - 0.1, np.pi)]
    return [(p, q, beds.geodesic(p, q, T)) for q in targets]


def categorical_paths() -> list[tuple[beds.Categorical, beds.Categorical, beds.Categorical]]:
    """Geodesics from a sharp belief on 3 classes to several others."""
    p = beds.Categorical([0.8, 0.1, 0.1])
    targets = [beds.Categorical(q) for q in ([0.1, 0.8, 0.1], [0.1, 0.1, 0.8], [0.05, 0.45, 0.5])]
    return [(p, q, beds.geodesic(p, q, T[:, None])) for q in targets]


def main() -> dict[str, float]:
    worst = 0.0
    print("normal: N(0, 1) -> target   distance   path length   largest sigma on the way")
    for p, q, path in normal_paths():
        d = float(beds.distance(p, q))
        worst = max(worst, abs(path_length(path) / d - 1))
        print(
            f"  N({float(q.mean):.0f}, {float(q.std):.1f}^2){'':13s}{d:9.6f}{path_length(path):14.6f}"
            f"{float(path.std.max()):18.4f}"
        )
    print("von Mises: vM(0, 2) -> vM(mu, 2)   distance   smallest kappa on the way   constant-kappa arc")
    for p, q, path in von_mises_paths():
        d = float(beds.distance(p, q))
        worst = max(worst, abs(path_length(path) / d - 1))
        arc = float(np.sqrt(2.0 * beds.special.mean_resultant(2.0)) * np.abs(q.mu))
        print(f"  mu = {float(q.mu):.4f}{'':17s}{d:9.6f}{float(path.kappa.min()):20.6f}{arc:26.6f}")
    print("categorical: (0.8, 0.1, 0.1) -> q   distance   largest entropy on the way")
    for p, q, path in categorical_paths():
        d = float(beds.distance(p, q))
        worst = max(worst, abs(path_length(path) / d - 1))
        print(f"  q = {np.array2string(q.probs, precision=2):22s}{d:9.6f}{float(beds.entropy(path).max()):20.6f}")
    print(f"\nlargest relative gap between a sampled path's length and the distance: {worst:.1e}")
    print("(201 points on each geodesic at equal FR spacing: the distances between them add up to the distance)")
    return {"worst_length_gap": worst}


if __name__ == "__main__":
    main()

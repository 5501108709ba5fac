"""BEDS beliefs tracking a target: dissipation, observations, energy and the problem class.

A batch of scalar Gaussian beliefs observes a target theta*(t) with noise (precision tau_D, ``rate``
observations per unit time) and dissipates at rate gamma between observations (precision decays
as e^(-gamma t), P3 convention).  Two targets and two dissipation rates:

* a fixed target: a weakly dissipating belief (gamma = 0.1) settles at a small variance and can
  crystallize (output its mean and halt);
* a target drifting at speed v: a weakly dissipating belief keeps trusting its old observations
  and lags behind; a strongly dissipating one (gamma = 5) tracks the target with a lag of about
  v / gamma, at a higher precision cost, and is maintainable but never crystallizable.

For each run the script prints the final error of the mean, the steady variance, the information
gained and dissipated per belief, the Landauer energy (k_B T per dissipated nat, T = 300 K) and the
problem class that :func:`beds.problems.classify` finds on the simulated horizon.

Run:  python examples/belief_tracking.py   (about a second)
"""

from __future__ import annotations

import beds
import numpy as np
from beds import problems

N_BELIEFS = 16
HORIZON = 20.0
RATE = 200.0  # observations per unit time and belief
OBS_PRECISION = 1.0


def simulate(gamma: float, speed: float, seed: int = 0) -> tuple[beds.Trajectory, np.ndarray, problems.Verdict]:
    """Runs the observation stream of theta*(t) = 1 + speed t through ``System.integrate``."""
    rng = np.random.default_rng(seed)
    steps = np.arange(1, int(RATE * HORIZON) + 1) / RATE
    times = np.repeat(steps, N_BELIEFS)  # every belief observed at every step
    index = np.tile(np.arange(N_BELIEFS), steps.size)
    target = 1.0 + speed * times
    values = target + rng.normal(size=times.size) / np.sqrt(OBS_PRECISION)
    system = beds.System.normal(np.zeros(N_BELIEFS), var=10.0, gamma=gamma, eps=0.05)
    record = np.linspace(0.0, HORIZON, 401)
    _, traj = system.integrate(times, index, values, OBS_PRECISION, record=record)
    goal = 1.0 if speed == 0 else (lambda t: 1.0 + speed * t)
    verdict = problems.classify(traj, goal, delta=0.6, eps=0.05)
    return traj, 1.0 + speed * record, verdict


RUNS = [("fixed target", 0.1, 0.0), ("drifting, weak gamma", 0.1, 0.5), ("drifting, strong gamma", 5.0, 0.5)]


def main() -> dict[str, problems.Verdict]:
    print(f"{'run':24s}{'error':>9s}{'variance':>11s}{'gained':>9s}{'dissip.':>9s}{'energy (J)':>12s}  class (beliefs)")
    verdicts = {}
    for name, gamma, speed in RUNS:
        traj, target, verdict = simulate(gamma, speed)
        verdicts[name] = verdict
        err = float(np.mean(np.abs(traj.mean[-1] - target[-1])))
        classes = [
            f"{c} {int(getattr(verdict, c).sum())}/{N_BELIEFS}"
            for c in ("attainable", "maintainable", "crystallizable")
            if getattr(verdict, c).any()
        ]
        print(
            f"{name:24s}{err:9.3f}{float(np.mean(1 / traj.precision[-1])):11.5f}"
            f"{float(np.mean(traj.info_gained[-1])):9.2f}{float(np.mean(traj.info_dissipated[-1])):9.2f}"
            f"{float(np.mean(traj.energy[-1])):12.3e}  {', '.join(classes) or 'none'}"
        )
    print(
        f"\nThe flat multiplicative model dissipates gamma t / 2 nats per belief: {0.1 * HORIZON / 2:.2f} and "
        f"{5.0 * HORIZON / 2:.2f} over t = {HORIZON:g};\nthe Landauer floor of holding a belief is gamma k_B T / 2 "
        f"= {beds.energy.landauer_power(0.1):.3e} and {beds.energy.landauer_power(5.0):.3e} J per unit time."
    )
    return verdicts


if __name__ == "__main__":
    main()

"""``python -m beds experiments``: every experiment's --quick form against closed forms, the report
files, reproducibility, one-line errors, and the ``beds.plot`` helpers."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("tqdm")
pytest.importorskip("sklearn")

from beds import experiments as ex  # noqa: E402

_RUNS: dict[str, tuple] = {}


def quick(name: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Runs one experiment's --quick form once per session; returns its results.json entry."""
    if name not in _RUNS:
        out = tmp_path_factory.mktemp(name)
        results, paths = ex.run([name], quick=True, out=out, progress=False, log=lambda s: None)
        data = json.loads(paths["json"].read_text())
        assert list(data) == [name]
        assert (out / "report.md").read_text().count(f"`{name}`") >= 2
        html = (out / "report.html").read_text()
        assert "data:image/png;base64," in html and "<table>" in html
        for fig in data[name]["figures"]:
            png = out / fig
            assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
            assert fig in (out / "report.md").read_text()
        assert data[name]["seeds"] == [0, 1, 2] and data[name]["findings"]
        _RUNS[name] = (out, results[0], data[name])
    return _RUNS[name][2]


def test_relaxation(tmp_path_factory):
    d = quick("relaxation", tmp_path_factory)["numbers"]
    for gt, row in d["by_gamma_T"].items():
        x = float(gt)
        assert abs(row["fr_efficiency"] - 2 * math.tanh(x / 2) / x) < 1e-6
        assert row["fr_length_over_geodesic_max_dev"] < 1e-12  # the FR flow stays on the geodesic
        assert row["eu_length_over_covered"] > 1.0  # straight lines in (mu, sigma) are not geodesics
    assert d["fr_efficiency_worst_abs_error"] < 1e-6


def test_landauer(tmp_path_factory):
    d = quick("landauer", tmp_path_factory)["numbers"]
    for r in d["multiplicative"]:
        assert abs(r["gained_rate"] / (r["rate_param"] / 2) - 1) < 0.01  # the floor gamma / 2
        assert abs(r["dissipated_over_floor"] - 1) < 1e-9
        assert r["eq19_over_floor"] == pytest.approx(math.log1p(r["x"]) / r["x"], rel=1e-12)
        assert r["eq19_over_floor"] < 1
        assert r["landauer_power_W"] == pytest.approx(r["rate_param"] * 1.380649e-23 * 300 / 2, rel=1e-15)
    for r in d["additive"]:
        assert abs(r["gained_over_predicted"] - 1) < 0.03  # q <tau> / 2
    assert abs(d["additive_exponent_tau"] - 1) < 0.05


def test_crystallize(tmp_path_factory):
    d = quick("crystallize", tmp_path_factory)["numbers"]
    for r in d["kalman"]:
        q = r["Q_over_R"]
        p = (q + math.sqrt(q * q + 4 * q)) / 2
        assert r["kalman_gain"] == pytest.approx(p / (p + 1), rel=1e-14)
        assert abs(r["a_opt_exact_search"] - (1 - r["kalman_gain"])) < 1e-6
        assert r["steady_gain_minus_1_minus_a_max"] < 1e-12
    for v in d["verdicts"]:
        assert v["stationary"]["crystallizable"] == 1.0
        assert v["drifting"]["maintainable"] == 1.0 and v["drifting"]["crystallizable"] == 0.0
    rows = d["energy"]["rows"]
    assert all(r["observations_closed_form"] == r["observations_measured"] for r in rows)
    assert rows[0]["entropy_produced_nats"] == 0.0 and rows[-1]["observations_measured"] is None


def test_angles(tmp_path_factory):
    from beds.experiments.angles import BURN_IN, load_wind

    d = quick("angles", tmp_path_factory)["numbers"]
    t, x = load_wind()
    assert d["n_readings"] == x.size == 310
    # gamma = 0: the prediction is the direction of the running sum of unit vectors (kappa_D cancels)
    c, s = np.cumsum(np.cos(x)), np.cumsum(np.sin(x))
    e = np.angle(np.exp(1j * (x[1:] - np.arctan2(s[:-1], c[:-1]))))[BURN_IN:]
    assert d["ordered"]["loss_gamma0"] == pytest.approx(np.mean(1 - np.cos(e)), rel=1e-9)
    last = np.angle(np.exp(1j * np.diff(x)))[BURN_IN:]
    assert d["ordered"]["persistence_abs_deg"] == pytest.approx(np.degrees(np.abs(last)).mean(), rel=1e-12)
    assert len(d["shuffled"]) == 3 and d["kappa_D"] > 0


def test_tracking(tmp_path_factory):
    d = quick("tracking", tmp_path_factory)["numbers"]
    for s in d["per_seed"]:
        assert abs(s["static_exponents"]["gamma"] - 1) < 1e-9  # time rescaling: exact
        assert abs(s["static_exponents"]["tau"] - 1) < 0.06  # mean field: lambda ~ gamma tau* / (2 tau_D)
    for r in d["fixed_gamma"]["rows"]:
        assert r["ratio"] == pytest.approx(r["mean_field_ratio"], rel=0.1)
    est, lo, hi = d["moving"]["tau_star"]
    assert lo <= est <= hi


def test_agents(tmp_path_factory):
    d = quick("agents", tmp_path_factory)["numbers"]
    for r in d["rows"]:
        assert r["f"] == pytest.approx(r["f_mean_field"], rel=0.1)  # N / (1 + min degree)
        assert r["landauer_f"] == pytest.approx(r["N"], rel=1e-9)  # N gamma k_B T / 2 on every graph
    assert d["fuse_vs_assimilate_max_diff"] < 1e-12
    for demo in d["fusion_demo"]:
        assert (demo["calibration"] > 100) if demo["scheme"] == "naive" else (demo["calibration"] < 1)


def test_continual(tmp_path_factory):
    d = quick("continual", tmp_path_factory)["numbers"]
    fronts = d["fronts"]
    assert set(fronts) == {"none", "ridge", "ewc", "online_ewc", "fisher_rao", "kl", "euclidean"}
    levels = d["stiffness_levels"]
    assert len(levels) >= 5 and max(levels) / min(levels) >= 1e4
    assert min(d["task1_accuracy"]) > 0.8
    for p, rows in fronts.items():
        for r in rows:
            assert 0 <= r["acc_old"] <= 1 and 0 <= r["acc_new"] <= 1
        if p != "none":
            assert len(rows) == len(levels)
    # matched mean stiffness: every penalty's mean stiffness equals FR's at each level, seed by seed
    per = d["per_seed"]
    for lev in per["fisher_rao"]:
        for i, fr_row in enumerate(per["fisher_rao"][lev]):
            for p in ("ridge", "ewc", "online_ewc", "kl", "euclidean"):
                assert per[p][lev][i]["stiffness_mean"] == pytest.approx(fr_row["stiffness_mean"], rel=1e-9)
            assert len(per["fisher_rao"][lev]) == 3  # three seeds


def test_rerun_reproduces_numbers(tmp_path):
    a = ex.run(["agents"], quick=True, out=tmp_path / "a", progress=False, log=lambda s: None)[1]["json"]
    b = ex.run(["agents"], quick=True, out=tmp_path / "b", progress=False, log=lambda s: None)[1]["json"]
    da, db = json.loads(a.read_text())["agents"], json.loads(b.read_text())["agents"]
    assert da["numbers"] == db["numbers"] and da["summary"] == db["summary"]


# ------------------------------------------------------------------------------ errors
def _one_line_error(capsys, argv: list[str], needle: str) -> None:
    rc = ex.main(argv)
    err = capsys.readouterr().err
    assert rc != 0
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert needle in err, err


def test_unknown_experiment(capsys, tmp_path):
    _one_line_error(capsys, ["nonsense", "--out", str(tmp_path)], "unknown experiment 'nonsense'")


def test_unwritable_out(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    _one_line_error(capsys, ["angles", "--quick", "--out", str(blocker / "sub")], "cannot write to --out")


def test_missing_and_malformed_data(capsys, tmp_path):
    _one_line_error(capsys, ["angles", "--out", str(tmp_path), "--data", "wind=/nonexistent/w.csv"], "no such file")
    bad = tmp_path / "w.csv"
    bad.write_text("time,direction\n1,0.5\n2,abc\n")
    _one_line_error(capsys, ["angles", "--out", str(tmp_path), "--data", f"wind={bad}"], "line 3")
    bad.write_text("when,where\n1,2\n")
    _one_line_error(capsys, ["angles", "--out", str(tmp_path), "--data", f"wind={bad}"], "header")
    bad.write_text("time,direction\n" + "".join(f"{20 - i},0.1\n" for i in range(30)))
    _one_line_error(capsys, ["angles", "--out", str(tmp_path), "--data", f"wind={bad}"], "nondecreasing")
    npz = tmp_path / "d.npz"
    np.savez(npz, X=np.zeros((200, 64)))
    _one_line_error(capsys, ["continual", "--out", str(tmp_path), "--data", f"digits={npz}"], "digits data")
    np.savez(npz, X=np.zeros((200, 10)), y=np.zeros(200, int))
    _one_line_error(capsys, ["continual", "--out", str(tmp_path), "--data", f"digits={npz}"], "(n, 64)")
    notnpz = tmp_path / "d2.npz"
    notnpz.write_text("garbage")
    _one_line_error(capsys, ["continual", "--out", str(tmp_path), "--data", f"digits={notnpz}"], "not an .npz")
    _one_line_error(capsys, ["--data", "weather=x.csv", "--out", str(tmp_path)], "unknown dataset")
    _one_line_error(capsys, ["--data", "wind", "--out", str(tmp_path)], "NAME=PATH")
    _one_line_error(capsys, ["--seeds", "zero"], "invalid int value")
    _one_line_error(capsys, ["--seeds", "0", "--out", str(tmp_path)], "--seeds must be >= 1")


def test_missing_extra(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm now raises ImportError
    _one_line_error(capsys, ["relaxation", "--out", str(tmp_path)], "pip install 'beds[experiments]'")


def test_list(capsys):
    assert ex.main(["--list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert (
        [ln.split()[0] for ln in out]
        == list(ex.EXPERIMENTS)
        == [
            "relaxation",
            "continual",
            "landauer",
            "crystallize",
            "angles",
            "tracking",
            "agents",
        ]
    )


def test_cli_dispatch(capsys):
    from beds.__main__ import main

    assert main(["experiments", "--list"]) == 0
    assert "continual" in capsys.readouterr().out


def test_import_beds_does_not_import_matplotlib():
    code = "import sys, beds, beds.plot, beds.experiments; assert 'matplotlib' not in sys.modules, 'imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


# ------------------------------------------------------------------------------ beds.plot
@pytest.fixture
def plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


def test_plot_geodesic(plt):
    import beds.plot

    fig = beds.plot.geodesic(beds.Normal(-2.0, 0.5), beds.Normal(2.0, 1.5), snapshots=4)
    a0, a1 = fig.axes
    assert len(a1.lines) == 4
    xs, ys = a0.lines[0].get_data()
    assert xs[0] == pytest.approx(-2.0) and ys[-1] == pytest.approx(1.5)
    fig = beds.plot.geodesic(beds.VonMises(0.3, 2.0), beds.VonMises(2.5, 8.0))
    assert fig.axes[0].name == "polar"
    fig = beds.plot.geodesic(beds.Normal([0.0, 1.0], [1.0, 2.0]), beds.Normal([3.0, -1.0], [0.5, 1.0]))
    assert len(fig.axes[0].lines[0].get_xdata()) == 101
    with pytest.raises(TypeError, match="both"):
        beds.plot.geodesic(beds.Normal(0.0, 1.0), beds.VonMises(0.0, 1.0))
    with pytest.raises(ValueError, match=">= 2"):
        beds.plot.geodesic(beds.Normal(0.0, 1.0), beds.Normal(1.0, 1.0), snapshots=1)


def test_plot_trajectory_and_energy(plt):
    import beds.plot

    s = beds.System.von_mises(np.zeros(2), np.zeros(2), gamma=0.5)
    t = np.arange(1.0, 21.0)
    x = np.mod(0.4 * t, 2 * np.pi)  # wraps around: the plotted mean is unwrapped
    _, tr = s.integrate(np.repeat(t, 2), np.tile([0, 1], 20), np.repeat(x, 2), 5.0, record=t)
    fig = beds.plot.trajectory(tr, index=1, observations=x, observation_times=t)
    mean_line = [ln for ln in fig.axes[0].lines if ln.get_label() == "belief mean"][0]
    assert np.max(np.abs(np.diff(mean_line.get_ydata()))) < np.pi
    sn = beds.System.normal(0.0, var=1.0, gamma=0.5)
    _, trn = sn.integrate([1.0, 2.0], [0, 0], [0.3, 0.1], 4.0, record=np.linspace(0, 3, 31))
    beds.plot.trajectory(trn)
    fig = beds.plot.energy(trn)
    assert len(fig.axes[0].lines) == 3
    with pytest.raises(ValueError, match="std"):
        beds.plot.trajectory(np.arange(3.0), np.zeros(3))
    with pytest.raises(ValueError, match="one value per time"):
        beds.plot.trajectory(np.arange(3.0), np.zeros(4), np.ones(4))
    with pytest.raises(ValueError, match="nothing to draw"):
        beds.plot.energy(np.arange(3.0))
    with pytest.raises(TypeError, match="Normal"):
        beds.plot.parameter_paths([beds.VonMises(0.0, 1.0)])


def test_plot_docstring_examples(plt):
    import doctest

    import beds.plot

    result = doctest.testmod(beds.plot, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0

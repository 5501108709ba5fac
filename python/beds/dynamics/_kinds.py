"""Which object integrates which belief kind (one module per kind, each the mirror of one C++ header).

:class:`~beds.System` holds its state as a dict of arrays and hands every operation to the object
of its kind: ``_gaussian.NORMAL`` and ``DIAG_NORMAL`` (:class:`~beds.dynamics._gaussian.GaussianKind`),
``_mvnormal.MVNORMAL`` and ``_von_mises.VON_MISES``.  What System asks of a kind is the protocol
:class:`Kind`; a new belief kind is one module implementing it, registered in ``_KINDS``.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

import numpy as np

from ._gaussian import DIAG_NORMAL, NORMAL
from ._mvnormal import MVNORMAL
from ._von_mises import VON_MISES

State = dict[str, np.ndarray]

_KINDS = {k.name: k for k in (NORMAL, DIAG_NORMAL, MVNORMAL, VON_MISES)}


class Kind(Protocol):
    """What :class:`~beds.System` asks of a belief kind: validation, read-outs, the exact steps.

    A kind receives and returns arrays, never the System: the state is a dict of float64 arrays
    (Gaussian kinds ``{"mean", "precision"}``, von Mises ``{"eta"}``), ``rate`` the dissipation
    rates broadcast to :meth:`rate_shape`, ``ref`` the reference state (None: flat) and
    ``additive`` selects the additive-diffusion model.  The formulas are those of
    :doc:`/mathematics/dynamics`.  Implementations: :class:`~beds.dynamics._gaussian.GaussianKind`,
    :class:`~beds.dynamics._mvnormal.MVNormalKind`, :class:`~beds.dynamics._von_mises.VonMisesKind`.

    The class is longer than the 300-line guideline because it holds a protocol: its length is the documented
    contract of each method; about 30 of its lines are code.

    Attributes
    ----------
    name : str
        The kind name (:data:`beds.dynamics.KINDS`), also the name of its System constructor.
    mean_field : bool
        Whether the state has a last axis of independent coordinates (``"diag_normal"``).
    family : type
        The belief class of the kind (:meth:`beds.System.from_belief`).
    matrix_precisions : bool
        Whether observation precisions may be ``(d, d)`` matrices (``"mvnormal"``).
    """

    name: ClassVar[str]
    mean_field: ClassVar[bool]
    family: ClassVar[type]
    matrix_precisions: ClassVar[bool]

    def belief_args(self, belief: Any) -> tuple[np.ndarray, np.ndarray]:
        """Return the constructor arguments of a belief of the kind's family.

        ``(mean, var)`` for Normal and DiagNormal, ``(mean, cov)`` for MVNormal, ``(mu, kappa)``
        for VonMises: the positional arguments of the kind's System constructor.

        Parameters
        ----------
        belief : Belief
            A belief of :attr:`family`.

        Returns
        -------
        tuple of numpy.ndarray
            The two arguments.
        """

    def read_state(self, *args: Any) -> State:
        """Validate the constructor's arrays and return the state (copies, float64).

        Parameters
        ----------
        *args
            The constructor's positional arguments: ``(mean, var, precision)`` for the Gaussian
            kinds (exactly one of the last two not None; ``cov`` for ``"mvnormal"``), ``(mu,
            kappa)`` for von Mises.

        Returns
        -------
        dict of str to numpy.ndarray
            The state, broadcast to the batch.

        Raises
        ------
        ValueError
            If a value is outside its domain, the shapes do not broadcast, or (Gaussian kinds)
            not exactly one of variance and precision is given.
        TypeError
            If an argument does not hold real numbers.
        """

    def read_reference(self, reference: Any, additive: bool, state: State) -> State | None:
        """Validate a reference (a belief or a pair) and broadcast it to the state.

        Parameters
        ----------
        reference : object
            The ``reference`` argument of the constructor (None: flat).
        additive : bool
            Whether the model is additive (which has no reference).
        state : dict of str to numpy.ndarray
            The validated state.

        Returns
        -------
        dict of str to numpy.ndarray or None
            The reference state (copies), or None for the flat reference.

        Raises
        ------
        ValueError
            If a reference is given with the additive model, is outside its domain or does not
            broadcast to the state.
        TypeError
            If it is neither a belief nor a pair.
        """

    def batch_shape(self, state: State) -> tuple[int, ...]:
        """Return the batch shape of a state (without the coordinate axes).

        Parameters
        ----------
        state : dict of str to numpy.ndarray
            The state.

        Returns
        -------
        tuple of int
            The batch shape.
        """

    def rate_shape(self, state: State) -> tuple[int, ...]:
        """Return the shape of the dissipation rates: the batch, or ``batch + (d,)`` (one per coordinate).

        Parameters
        ----------
        state : dict of str to numpy.ndarray
            The state.

        Returns
        -------
        tuple of int
            The shape the rates are broadcast to.
        """

    def dim(self, state: State) -> int:
        """Return the number of coordinates per belief (1 for the scalar kinds).

        Parameters
        ----------
        state : dict of str to numpy.ndarray
            The state.

        Returns
        -------
        int
            The dimension d.
        """

    def mean(self, state: State) -> np.ndarray:
        """Return the means (a copy; the mean direction for von Mises).

        Parameters
        ----------
        state : dict of str to numpy.ndarray
            The state.

        Returns
        -------
        numpy.ndarray
            The means.
        """

    def precision(self, state: State) -> np.ndarray:
        """Return the precisions (a copy): per coordinate, the matrices, or kappa for von Mises.

        Parameters
        ----------
        state : dict of str to numpy.ndarray
            The state.

        Returns
        -------
        numpy.ndarray
            The precisions.
        """

    def var(self, state: State) -> np.ndarray:
        """Return the variances (the covariance matrices for ``"mvnormal"``).

        Parameters
        ----------
        state : dict of str to numpy.ndarray
            The state.

        Returns
        -------
        numpy.ndarray
            The variances.

        Raises
        ------
        AttributeError
            For von Mises beliefs.
        """

    def params(self, state: State) -> dict[str, np.ndarray]:
        """Return the state as the parameters of :meth:`beds.System.params` (copies).

        Parameters
        ----------
        state : dict of str to numpy.ndarray
            The state.

        Returns
        -------
        dict of str to numpy.ndarray
            ``{"mean", "precision"}``, ``{"mean", "cov"}`` or ``{"mu", "kappa"}``.
        """

    def belief(self, params: dict[str, np.ndarray]) -> Any:
        """Return the belief object of parameters given as :meth:`params` returns them.

        Parameters
        ----------
        params : dict of str to numpy.ndarray
            The parameters.

        Returns
        -------
        Belief
            A belief of :attr:`family`.

        Raises
        ------
        ValueError
            If a parameter is outside the family's domain.
        """

    def variance(self, precision: np.ndarray, /) -> np.ndarray:
        """Return the variances of recorded precisions (:meth:`beds.Trajectory.variance`).

        ``1 / precision``, the inverse matrices, or the circular variance ``1 - A(kappa)`` for
        von Mises (whose implementation names the argument ``kappa``).

        Parameters
        ----------
        precision : numpy.ndarray
            The recorded precisions (kappa for von Mises).

        Returns
        -------
        numpy.ndarray
            The variances.
        """

    def uncertainty(self, state: State, rule: str) -> np.ndarray:
        """Return the scalar uncertainty of each belief (:meth:`beds.System.uncertainty`).

        Parameters
        ----------
        state : dict of str to numpy.ndarray
            The state.
        rule : str
            ``"trace"``, ``"max_eig"`` or ``"det"`` (ignored by the scalar kinds).

        Returns
        -------
        numpy.ndarray
            The uncertainties, shape batch.
        """

    def entropy(self, state: State) -> np.ndarray:
        """Return the entropy of each belief in nats.

        Parameters
        ----------
        state : dict of str to numpy.ndarray
            The state.

        Returns
        -------
        numpy.ndarray
            The entropies, shape batch.
        """

    def dissipate(self, state: State, rate: np.ndarray, dt: float, ref: State | None, additive: bool) -> State:
        """Return the state after dissipating for ``dt`` (exact solution).

        Multiplicative: ``x <- a x + (1 - a) x_ref`` on the natural parameters with ``a =
        exp(-rate dt)``; additive: the variance grows by ``rate dt``.

        Parameters
        ----------
        state : dict of str to numpy.ndarray
            The state.
        rate : numpy.ndarray
            The rates, shape :meth:`rate_shape` (0 for the halted beliefs).
        dt : float
            The time step (validated, >= 0).
        ref : dict of str to numpy.ndarray or None
            The reference state; None: flat.
        additive : bool
            The additive model (``rate`` is q).

        Returns
        -------
        dict of str to numpy.ndarray
            The new state.
        """

    def assimilate(self, state: State, value: Any, precision: Any, live: np.ndarray) -> State:
        """Return the state after one conjugate observation per belief (Bayes' rule).

        Parameters
        ----------
        state : dict of str to numpy.ndarray
            The state.
        value : array_like
            The observed values (angles for von Mises), broadcasting to the batch (``+ (d,)``).
        precision : array_like
            The observation precisions (concentrations; matrices for ``"mvnormal"``).
        live : numpy.ndarray
            Boolean mask of the beliefs that assimilate (not crystallized), shape batch.

        Returns
        -------
        dict of str to numpy.ndarray
            The new state.

        Raises
        ------
        ValueError
            If a value or precision is outside its domain, or the shapes do not broadcast.
        TypeError
            If an argument does not hold real numbers.
        """

    def fuse(self, a: State, b: State) -> State:
        """Return the normalized product of two states: the natural parameters add.

        Parameters
        ----------
        a : dict of str to numpy.ndarray
            The first state (its batch shape is the result's).
        b : dict of str to numpy.ndarray
            The second state, broadcasting to the first.

        Returns
        -------
        dict of str to numpy.ndarray
            The fused state.
        """

    def event_shape(self, state: State) -> tuple[int, ...]:
        """Return the shape of one observed value: ``()`` or ``(d,)``.

        Parameters
        ----------
        state : dict of str to numpy.ndarray
            The state.

        Returns
        -------
        tuple of int
            The event shape.
        """

    def integrate(
        self, state: State, rate: np.ndarray, ref: State | None, additive: bool, t0: float, ev: Any
    ) -> tuple[State, tuple[np.ndarray, ...]]:
        """Run an event stream in C++ and record the trajectory (:meth:`beds.System.integrate`)."""


def get_kind(kind: str) -> Kind:
    """Return the kind object of a canonical kind name.

    Parameters
    ----------
    kind : str
        One of :data:`beds.dynamics.KINDS` (already canonical: see
        :func:`~beds.dynamics._common.canonical_kind`).

    Returns
    -------
    Kind
        The object that implements the kind.

    Raises
    ------
    KeyError
        If the name is not a canonical kind name.

    Examples
    --------
    >>> from beds.dynamics._kinds import get_kind
    >>> get_kind("diag_normal").mean_field
    True
    """
    return _KINDS[kind]

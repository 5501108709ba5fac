"""The machinery shared by the autograd functions of ``beds.torch``.

Tensors go to the compiled kernels as numpy views of their memory (``tensor.detach().numpy()``
shares the buffer, whatever the strides: the kernels gather strided operands into their block
buffers themselves), and the results come back as tensors over the kernels' output arrays
(``torch.from_numpy``, no copy).  Nothing is converted silently: inputs must be CPU tensors of one
floating dtype (float32 or float64) or Python numbers, and anything else raises an error that names
the argument and says how to proceed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
import torch

from .. import cuda as _beds_cuda

_FLOATS = (torch.float32, torch.float64)


class Penalty(NamedTuple):
    """Value of a penalty and its natural gradient (``return_natural=True``).

    What the ``fisher_rao_penalty`` functions of :mod:`beds.torch` return with
    ``return_natural=True``.  The natural gradient is the Riemannian gradient ``G^-1 grad`` (G the
    Fisher metric) that a natural-gradient optimizer steps along: for ``strength/2 d^2`` it is
    ``-strength Log_q(q_ref)`` (S. Amari, "Natural gradient works efficiently in learning", Neural
    Computation 10, 1998; :doc:`/torch`).

    Parameters
    ----------
    value : torch.Tensor
        The penalty per belief, differentiable (autograd gives the Euclidean gradient).
    natural_grad : tuple of torch.Tensor
        Detached tensors, one per parameter of the first belief, in the coordinates of the inputs.

    Examples
    --------
    >>> import torch, beds.torch as bt
    >>> r = bt.normal.fisher_rao_penalty(torch.tensor(0.0), 1.0, 0.0, 2.0, return_natural=True)
    >>> round(r.value.item(), 6), round(r.natural_grad[1].item(), 6)   # (ln 2)^2, -Log_std = -ln 2
    (0.480453, -0.693147)
    """

    value: torch.Tensor
    natural_grad: tuple[torch.Tensor, ...]


def _device_error(fn: str, name: str, t: torch.Tensor) -> TypeError:
    if t.device.type == "cuda":
        built = (
            "beds was built with CUDA, but its kernels (beds.cuda) take host arrays and cover only "
            "the normal distance and geodesic"
            if _beds_cuda.available() or bool(getattr(_beds_cuda._core, "built_with_cuda", False))
            else "this beds build has no CUDA kernels (BEDS_CUDA=ON builds add beds.cuda, for host arrays)"
        )
        return TypeError(
            f"{fn}: {name} is on {t.device}; beds.torch runs on CPU tensors only ({built}). Nothing is "
            f"moved between devices silently: pass {name}.cpu() (and the other arguments) and move the "
            "result back with .to(device)"
        )
    return TypeError(f"{fn}: {name} is on device {t.device}; beds.torch takes CPU tensors only (use {name}.cpu())")


def prepare(fn: str, names: Sequence[str], values: Sequence[Any]) -> tuple[list[torch.Tensor], torch.dtype]:
    """Check the arguments of ``fn`` and return them as tensors of one dtype.

    Tensors must be dense CPU tensors of dtype float32 or float64, all of the same dtype; Python
    numbers (not bools) take that dtype (numpy's "weak scalar" rule), or torch's default dtype when
    no argument is a tensor.  Nothing is copied or moved.

    Parameters
    ----------
    fn : str
        The public function, for the messages.
    names : sequence of str
        The argument names.
    values : sequence
        The arguments.

    Returns
    -------
    tensors : list of torch.Tensor
        The arguments as tensors (the tensors themselves, numbers converted).
    dtype : torch.dtype
        Their dtype.

    Raises
    ------
    TypeError
        For a CUDA or sparse tensor, a dtype other than float32/float64, mixed dtypes, or a value that
        is neither a tensor nor a real Python number (the message names the argument and the fix).

    Examples
    --------
    >>> import torch
    >>> from beds.torch._autograd import prepare
    >>> prepare("f", ["a", "b"], [torch.zeros(2, dtype=torch.float64), 1.0])
    ([tensor([0., 0.], dtype=torch.float64), tensor(1., dtype=torch.float64)], torch.float64)
    """
    dtype = None
    first = ""
    for n, v in zip(names, values):
        if isinstance(v, torch.Tensor):
            if not v.is_cpu:
                raise _device_error(fn, n, v)
            if v.layout is not torch.strided:
                raise TypeError(f"{fn}: {n} must be a dense tensor, got layout {v.layout}; use {n}.to_dense()")
            if v.dtype not in _FLOATS:
                hint = ".double()" if v.dtype in (torch.float16, torch.bfloat16) or not v.is_floating_point() else ""
                raise TypeError(
                    f"{fn}: {n} must be a float32 or float64 tensor, got {v.dtype}"
                    + (f" (convert explicitly, e.g. {n}{hint} or {n}.float())" if hint else "")
                )
            if v.is_complex():  # pragma: no cover - complex dtypes are not in _FLOATS
                raise TypeError(f"{fn}: {n} must be real")
            if dtype is None:
                dtype, first = v.dtype, n
            elif v.dtype != dtype:
                raise TypeError(
                    f"{fn}: {first} is {dtype} but {n} is {v.dtype}; beds.torch does not convert silently "
                    f"(that would copy): convert one of them explicitly, e.g. {n}.to({dtype})"
                )
        elif isinstance(v, bool) or not isinstance(v, (int, float)):
            raise TypeError(f"{fn}: {n} must be a torch.Tensor or a real Python number, got {type(v).__name__}")
    if dtype is None:
        dtype = torch.get_default_dtype()
    out = [v if isinstance(v, torch.Tensor) else torch.tensor(float(v), dtype=dtype) for v in values]
    return out, dtype


def to_numpy(t: torch.Tensor) -> np.ndarray:
    """Return a numpy view of a CPU tensor's memory (no copy).

    Strides are kept, stride-0 broadcasts included: the kernels gather strided operands themselves.

    Parameters
    ----------
    t : torch.Tensor
        A CPU tensor.

    Returns
    -------
    numpy.ndarray
        The view (detached from autograd).

    Examples
    --------
    >>> import torch
    >>> from beds.torch._autograd import to_numpy
    >>> to_numpy(torch.ones(2).expand(3, 2)).strides   # the broadcast is kept
    (0, 4)
    """
    return t.detach().numpy()


def from_numpy(a: Any) -> torch.Tensor:
    """Return a tensor over a kernel's output array (no copy; 0-d results become 0-d tensors).

    Parameters
    ----------
    a : numpy.ndarray or numpy scalar
        The output.

    Returns
    -------
    torch.Tensor
        The tensor sharing its memory.

    Examples
    --------
    >>> import numpy as np
    >>> from beds.torch._autograd import from_numpy
    >>> from_numpy(np.float64(2.0))
    tensor(2., dtype=torch.float64)
    """
    return torch.from_numpy(a if isinstance(a, np.ndarray) else np.asarray(a))


def reduce_to(g: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Sum a gradient computed at the broadcast shape back to the shape of input ``t``.

    The reverse of broadcasting: the axes that ``t`` was broadcast along are summed.

    Parameters
    ----------
    g : torch.Tensor
        The gradient at the broadcast shape.
    t : torch.Tensor
        The input.

    Returns
    -------
    torch.Tensor
        The gradient of the shape of ``t``.

    Examples
    --------
    >>> import torch
    >>> from beds.torch._autograd import reduce_to
    >>> reduce_to(torch.ones(3, 2), torch.zeros(2))
    tensor([3., 3.])
    """
    if g.shape == t.shape:
        return g
    if t.dim() == 0:
        return g.sum()
    return g.sum_to_size(t.shape)


class Spec:
    """One differentiable operation: ``forward`` on numpy views, ``backward`` giving the gradients.

    ``backward`` returns one entry per input (None where no gradient is needed) at the broadcast
    shape, already multiplied by the incoming gradient; they are reduced to the input shapes here.
    ``twice`` is True when ``backward`` is written with differentiable torch operations (double
    backward works); otherwise second derivatives raise a RuntimeError that names the function.
    """

    name = ""
    twice = False
    n_extra = 0  #: trailing outputs that are not differentiable (natural gradients)

    def forward(self, ctx: Any, arrays: list[np.ndarray], tensors: Sequence[torch.Tensor]) -> tuple:
        """Compute the outputs on numpy views of the inputs.

        Runs inside ``torch.autograd.Function.forward``; may store what the backward needs on ``ctx``.

        Parameters
        ----------
        ctx : object
            The autograd context.
        arrays : list of numpy.ndarray
            Views of the input tensors (:func:`to_numpy`).
        tensors : sequence of torch.Tensor
            The inputs themselves.

        Returns
        -------
        tuple of numpy.ndarray
            The outputs (returned as tensors over them); the last ``n_extra`` are not differentiable.

        Raises
        ------
        NotImplementedError
            In this base class.
        """
        raise NotImplementedError

    def backward(
        self, ctx: Any, tensors: Sequence[torch.Tensor], grads: Sequence[torch.Tensor], needs: Sequence[bool]
    ) -> list[torch.Tensor | None]:
        """Compute the gradients of the inputs, times the incoming gradients.

        Parameters
        ----------
        ctx : object
            The autograd context (what :meth:`forward` stored).
        tensors : sequence of torch.Tensor
            The saved inputs.
        grads : sequence of torch.Tensor
            The incoming gradients, one per differentiable output.
        needs : sequence of bool
            Which inputs need a gradient.

        Returns
        -------
        list of torch.Tensor or None
            One entry per input, at the broadcast shape (reduced to the input shapes by the caller).

        Raises
        ------
        NotImplementedError
            In this base class.
        """
        raise NotImplementedError


class _NoSecondDerivative(torch.autograd.Function):
    """Passes a first-order gradient through and refuses to be differentiated (clear error)."""

    @staticmethod
    def forward(ctx: Any, name: str, g: torch.Tensor, *inputs: torch.Tensor) -> torch.Tensor:
        ctx.fname = name
        return g.clone()

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> Any:
        raise RuntimeError(
            f"beds.torch.{ctx.fname}: second derivatives (double backward through create_graph=True) are not "
            "implemented: the gradient of this function comes from the compiled kernels. First-order "
            "gradients with create_graph=True are fine; for Hessian-vector products use finite differences "
            "of the gradient, or a family/function whose backward is differentiable (see the beds.torch docs)"
        )


class _Apply(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, spec: Spec, *tensors: torch.Tensor) -> Any:
        ctx.spec = spec
        arrays = [to_numpy(t) for t in tensors]
        outs = spec.forward(ctx, arrays, tensors)
        ctx.save_for_backward(*tensors)
        res = tuple(from_numpy(o) for o in outs)
        if spec.n_extra:
            ctx.mark_non_differentiable(*res[len(res) - spec.n_extra :])
        return res if len(res) > 1 else res[0]

    @staticmethod
    def backward(ctx: Any, *grads: torch.Tensor) -> Any:
        spec: Spec = ctx.spec
        tensors = ctx.saved_tensors
        needs = ctx.needs_input_grad[1:]
        raw = spec.backward(ctx, tensors, grads, needs)
        out: list[torch.Tensor | None] = []
        for g, t, need in zip(raw, tensors, needs):
            out.append(reduce_to(g, t) if (g is not None and need) else None)
        if torch.is_grad_enabled() and not spec.twice:
            src = [t for t in tensors if t.requires_grad]
            out = [None if g is None else _NoSecondDerivative.apply(spec.name, g, *src) for g in out]
        return (None, *out)


_FUNCTIONS: dict[str, type] = {}


def apply(spec: Spec, tensors: Sequence[torch.Tensor]) -> Any:
    """Run ``spec`` as an autograd function on checked tensors.

    One ``torch.autograd.Function`` subclass per spec name (cached), so that ``grad_fn`` is named after
    the public function (``BedsNormalDistance``).

    Parameters
    ----------
    spec : Spec
        The operation.
    tensors : sequence of torch.Tensor
        Its inputs (checked by :func:`prepare` and the family).

    Returns
    -------
    torch.Tensor or tuple of torch.Tensor
        The outputs.

    Examples
    --------
    >>> import torch, beds.torch as bt
    >>> bt.normal.distance(torch.tensor(0.0, requires_grad=True), 1.0, 0.0, 2.0).grad_fn.name()
    'BedsNormalDistanceBackward'
    """
    fn = _FUNCTIONS.get(spec.name)
    if fn is None:
        title = "".join(w.capitalize() for w in spec.name.replace(".", "_").split("_"))
        fn = _FUNCTIONS[spec.name] = type(f"Beds{title}", (_Apply,), {"__module__": __name__})
    return fn.apply(spec, *tensors)


def grad_np(g: torch.Tensor) -> np.ndarray:
    """Return a numpy view of an incoming gradient (:func:`to_numpy`).

    Parameters
    ----------
    g : torch.Tensor
        The gradient.

    Returns
    -------
    numpy.ndarray
        The view.
    """
    return to_numpy(g)


def numpy_backward(
    fn: Callable[[list[np.ndarray], list[np.ndarray], Sequence[bool]], list[Any]],
    tensors: Sequence[torch.Tensor],
    grads: Sequence[torch.Tensor],
    needs: Sequence[bool],
) -> list[torch.Tensor | None]:
    """Run a numpy backward ``fn(arrays, grad_arrays, needs)`` and wrap its results as tensors.

    Parameters
    ----------
    fn : callable
        The backward on numpy views; returns one array (or None) per input.
    tensors : sequence of torch.Tensor
        The saved inputs.
    grads : sequence of torch.Tensor
        The incoming gradients.
    needs : sequence of bool
        Which inputs need a gradient.

    Returns
    -------
    list of torch.Tensor or None
        The gradients as tensors over the arrays.
    """
    res = fn([to_numpy(t) for t in tensors], [grad_np(g) for g in grads], needs)
    return [None if r is None else from_numpy(np.asarray(r)) for r in res]

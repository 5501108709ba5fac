"""Which object integrates which belief kind (one module per kind, each the mirror of one C++ header)."""

from __future__ import annotations

from typing import Any

from ._gaussian import DIAG_NORMAL, NORMAL
from ._mvnormal import MVNORMAL
from ._von_mises import VON_MISES

_KINDS = {k.name: k for k in (NORMAL, DIAG_NORMAL, MVNORMAL, VON_MISES)}


def get_kind(kind: str) -> Any:
    """The kind object (:class:`~beds.dynamics._gaussian.GaussianKind`, ...) of a canonical kind name."""
    return _KINDS[kind]

"""The 8-neighbour graph of a raster and shortest travel times over it, in seconds and stored minutes."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.sparse import bmat, csr_matrix, identity
from scipy.sparse.csgraph import dijkstra

#: Fields are stored as uint16 in units of 0.1 minute (at most 3 s rounding); 65535 = unreachable.
_UNIT_S = 6.0
_UNREACHABLE = np.uint16(65535)

#: Half of the 8 neighbour offsets; the graph is undirected, each edge is added both ways.
_STEPS = ((0, 1), (1, 0), (1, 1), (1, -1))


def build_graph(passable: np.ndarray, speed_kmh: np.ndarray, res_m: float) -> tuple[csr_matrix, np.ndarray]:
    """Build the 8-neighbour graph of a raster; edge weights in seconds.

    A move between neighbouring passable cells costs the mean of the time to cross each cell
    (``length * (1/v_a + 1/v_b) / 2``, length ``res_m`` or ``res_m*sqrt(2)``). A diagonal move is
    allowed only when at least one of the two cells it cuts past is passable.

    Parameters
    ----------
    passable
        Bool raster.
    speed_kmh
        Speed of each passable cell (ignored elsewhere).
    res_m
        Cell size in metres.

    Returns
    -------
    graph : csr_matrix
        Symmetric, one node per passable cell in row-major order.
    node : ndarray of int
        Node number of each cell, ``-1`` where impassable.
    """
    h, w = passable.shape
    node = np.full((h, w), -1, dtype=np.int64)
    rs, cs = np.nonzero(passable)
    node[rs, cs] = np.arange(len(rs))
    pace = np.zeros((h, w))
    pace[rs, cs] = 3.6 / speed_kmh[rs, cs]  # seconds per metre
    src, dst, cost = [], [], []
    for dr, dc in _STEPS:
        r2, c2 = rs + dr, cs + dc
        ok = (r2 < h) & (c2 >= 0) & (c2 < w)
        r1, c1, r2, c2 = rs[ok], cs[ok], r2[ok], c2[ok]
        ok = passable[r2, c2]
        if dr and dc:
            ok &= passable[r1, c2] | passable[r2, c1]
        r1, c1, r2, c2 = r1[ok], c1[ok], r2[ok], c2[ok]
        length = res_m * (math.sqrt(2.0) if dr and dc else 1.0)
        weight = length * 0.5 * (pace[r1, c1] + pace[r2, c2])
        a, b = node[r1, c1], node[r2, c2]
        src += [a, b]
        dst += [b, a]
        cost += [weight, weight]
    n = len(rs)
    graph = csr_matrix((np.concatenate(cost), (np.concatenate(src), np.concatenate(dst))), shape=(n, n))
    return graph, node


def layered_graph(local: csr_matrix, trunk: csr_matrix, ramp_s: float) -> csr_matrix:
    """Stack a local and a trunk graph over the same cells, joined in every cell by a ramp.

    Node ``i`` is cell ``i`` on the local layer, node ``n + i`` the same cell on the trunk layer;
    moving between the two layers costs ``ramp_s`` seconds each way. A trip therefore either stays
    on local roads or pays two ramps to travel on the faster trunk layer: short trips are local,
    long ones use the trunk, like a road hierarchy without its geometry.
    """
    n = local.shape[0]
    ramp = identity(n, format="csr") * float(ramp_s)
    return bmat([[local, ramp], [ramp, trunk]], format="csr")


def shortest_seconds(graph: csr_matrix, sources: Sequence[int]) -> np.ndarray:
    """Seconds from each source node to every node (``inf`` where unreachable), shape (sources, nodes)."""
    if not len(sources):
        return np.empty((0, graph.shape[0]))
    return np.atleast_2d(dijkstra(graph, directed=True, indices=np.asarray(sources, dtype=np.int64)))


def _quantise(seconds: np.ndarray) -> np.ndarray:
    q = np.rint(seconds / _UNIT_S)
    return np.where(np.isfinite(q), np.minimum(q, 65534), 65535).astype(np.uint16)


def _minutes(q: np.ndarray) -> np.ndarray:
    out = q.astype(np.float64) * (_UNIT_S / 60.0)
    out[q == _UNREACHABLE] = np.inf
    return out

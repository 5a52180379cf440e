"""Per-source travel-time fields kept in memory and cached on disk, one ``.npy`` file per source cell."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix

from geo.traveltime import graph as _graph
from geo.traveltime.graph import _minutes, _quantise
from geo.traveltime.params import CACHE_ENV

logger = logging.getLogger("geo.traveltime")
_BATCH = 16


class _FieldStore:
    """Per-source fields (uint16, 0.1 min) in memory and, when a folder is given, on disk."""

    def __init__(
        self, graph: csr_matrix, folder: Path | None, meta: dict[str, object], nodes: int | None = None
    ) -> None:
        self.graph = graph
        #: Nodes kept per field: the first ``nodes`` of the graph (the local layer of a layered graph).
        self.nodes = graph.shape[0] if nodes is None else int(nodes)
        self.folder = folder
        self.mem: dict[int, np.ndarray] = {}
        self.lock = threading.Lock()
        if folder is not None:
            try:
                folder.mkdir(parents=True, exist_ok=True)
                (folder / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
            except OSError as exc:
                logger.warning("cannot use the travel-time cache %s (%s); fields kept in memory", folder, exc)
                self.folder = None

    def _path(self, node: int) -> Path:
        assert self.folder is not None
        return self.folder / f"n{node}.npy"

    def ensure(self, nodes: Iterable[int]) -> None:
        """Load or compute the fields of ``nodes`` (negative numbers are ignored)."""
        with self.lock:
            todo = sorted({int(n) for n in nodes if n >= 0} - self.mem.keys())
            missing = []
            for n in todo:
                if self.folder is not None and self._path(n).exists():
                    try:
                        arr = np.load(self._path(n), allow_pickle=False)
                        if arr.shape == (self.nodes,) and arr.dtype == np.uint16:
                            self.mem[n] = arr
                            continue
                    except (OSError, ValueError):
                        pass
                missing.append(n)
            for i in range(0, len(missing), _BATCH):
                batch = missing[i : i + _BATCH]
                for n, row in zip(
                    batch, _graph.shortest_seconds(self.graph, batch)[:, : self.nodes], strict=True
                ):
                    arr = _quantise(row)
                    self.mem[n] = arr
                    if self.folder is not None:
                        self._save(n, arr)

    def _save(self, node: int, arr: np.ndarray) -> None:
        assert self.folder is not None
        try:
            fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                np.save(f, arr, allow_pickle=False)
            os.replace(tmp, self._path(node))
        except OSError as exc:
            logger.warning("cannot write the travel-time cache in %s (%s)", self.folder, exc)

    def gather(self, sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """Minutes over land from each source node to each target node, shape (sources, targets)."""
        self.ensure(sources)
        out = np.full((len(sources), len(targets)), np.inf)
        ok = targets >= 0
        for i, s in enumerate(sources):
            if s >= 0:
                out[i, ok] = _minutes(self.mem[int(s)][targets[ok]])
        return out


def default_cache_dir() -> Path:
    """``$NETWERKATLAS_CACHE/traveltime``, else ``~/.cache/netwerkatlas/traveltime``."""
    base = os.environ.get(CACHE_ENV) or os.path.join("~", ".cache", "netwerkatlas")
    return Path(base).expanduser() / "traveltime"

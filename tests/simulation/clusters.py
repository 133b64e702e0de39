"""A small Dask cluster in the test process, reached over TCP as a remote one would be."""

from __future__ import annotations

import logging
from typing import Any


def tcp_cluster() -> Any:
    """Two worker threads in this process; a context manager (LocalCluster)."""
    from distributed import LocalCluster

    return LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        protocol="tcp",
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )

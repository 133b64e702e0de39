"""What-if analysis: the same rules over whole populations, under the law and under a reform.

Domain words: a **Population** (population.py) is assessed under two **Scenario**s
(scenario.py), the baseline and a hypothetical **Reform** (reform.py), in a **SimulationRun**
(run.py). A run ships a plain-JSON job (job.py) to a backend, in process (local.py) or on Dask
(cluster.py), which runs one pure function per partition (partition.py); the counts add up to
a Summary (summary.py) and the rows stream to one file (output.py).

This package imports the rules core; the core imports nothing from here.
"""

from talentvisa.simulation.local import Backend, LocalBackend
from talentvisa.simulation.population import Population
from talentvisa.simulation.reform import Reform, ReformError, load_reform, reform_from_data
from talentvisa.simulation.run import SimulationRun
from talentvisa.simulation.summary import Summary

__all__ = [
    "Backend",
    "LocalBackend",
    "Population",
    "Reform",
    "ReformError",
    "SimulationRun",
    "Summary",
    "load_reform",
    "reform_from_data",
]

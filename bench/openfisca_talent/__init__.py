"""A small OpenFisca country package, the peer of talentvisa's benchmark (bench/peer.py).

It encodes what talentvisa encodes in programs/cn/cn-k.yaml (the K visa criteria) and the
work-permit points table of programs/cn/cn-r.yaml, the way an OpenFisca package would: one
person entity, input variables for the facts, formula variables over arrays, dated YAML
parameters with their references. Installed only for the benchmark (the optional extra
``bench``); nothing in src/ imports it. Every fact is taken as known: OpenFisca has no unknown
value, so the comparison runs on populations with every fact filled.
"""

from __future__ import annotations

from pathlib import Path

from openfisca_core.taxbenefitsystems import TaxBenefitSystem

from . import variables
from .entities import Person

PARAMETERS = Path(__file__).parent / "parameters"


class TalentTaxBenefitSystem(TaxBenefitSystem):
    def __init__(self) -> None:
        super().__init__([Person])
        self.add_variables(*variables.ALL)
        self.load_parameters(str(PARAMETERS))

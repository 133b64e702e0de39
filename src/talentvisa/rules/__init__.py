"""The pure rules core: program models, expression evaluation (scalar and vectorized),
explanations. It imports nothing from the web, the database or the CLI."""

from talentvisa.rules.assessment import Assessment, Outcome
from talentvisa.rules.compiled import CompiledProgram
from talentvisa.rules.engine import assess
from talentvisa.rules.loader import builtin_catalog, load_catalog, load_program
from talentvisa.rules.profile import Profile

__all__ = [
    "Assessment",
    "CompiledProgram",
    "Outcome",
    "Profile",
    "assess",
    "builtin_catalog",
    "load_catalog",
    "load_program",
]

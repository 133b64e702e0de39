"""H-1B cap selection: dated selection rules, a specified random stream, commit-reveal, odds.

This domain depends only on the standard library, NumPy and Polars; the case service calls it.
"""

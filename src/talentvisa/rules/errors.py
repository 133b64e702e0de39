"""Errors a user can cause and fix, kept light so the CLI can name them without heavy imports."""


class PopulationError(ValueError):
    """A population file or frame that cannot be read as facts; the message names the place."""

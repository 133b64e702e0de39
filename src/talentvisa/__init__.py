"""talentvisa: skilled-talent visa programs as executable, cited policy."""

__version__ = "0.1.0"

"""Safe synthetic data for the clinic app; `manage.py seed --version` prints this distribution's version."""

__version__ = "0.2.0"

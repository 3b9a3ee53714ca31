"""The ``lngym`` command line."""

"""azfunc.app."""

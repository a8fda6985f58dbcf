"""azfunc.host."""

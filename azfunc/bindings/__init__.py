"""azfunc.bindings."""

"""azfunc.testing."""

"""azfunc.http."""

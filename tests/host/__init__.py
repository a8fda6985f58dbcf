"""Tests of azfunc.host: the local host, the custom-handler worker and their parts."""

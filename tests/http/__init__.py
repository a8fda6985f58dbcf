"""Tests of azfunc.http."""

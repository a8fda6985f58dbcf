"""Tests of the test kit. The azfunc pytest plugin is loaded by its ``pytest11`` entry point."""

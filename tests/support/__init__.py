"""Helpers that more than one test module (and the benchmarks) use.

Test modules import from here, never from one another; the fake Slack lives in tests/fakes.
"""

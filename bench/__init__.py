"""Benchmarks of Edit Sessions (`python -m bench`); docs/benchmarks.md says what
each figure means and how it is measured. Benchmarks are not tests: `make test` only
runs them small, in tests/bench/."""

"""Benchmarks of the CNAS services app: `python -m bench.run` (`--quick` for a short run).

They print figures and write bench/results.json; they never pass or fail on time.
"""

"""Benchmarks (not tests): each compares against a baseline measured in the same run, prints a
table, and writes JSON to `bench/results/` (DESIGN.md §8). Run: `python -m bench NAME`."""

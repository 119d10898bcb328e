"""Reliability campaigns: crash, faults, fuzz, authorization, bad files and settings (one
command each: python -m bench.campaigns.<name>; small versions in tests/test_campaigns.py)."""

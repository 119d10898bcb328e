"""Reliability campaigns: crash, faults, fuzz, bad files and settings (one command each)."""

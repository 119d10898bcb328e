"""Group reports: totals only, small counts suppressed (aggregates, chart, CSV)."""

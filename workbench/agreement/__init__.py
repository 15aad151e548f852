"""Inter-coder agreement: units, coefficients, disagreements (see stats.py for the formulas)."""

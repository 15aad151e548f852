"""From coded segments to findings: saturation, memo reports, framework charting, the study
report with quotes, and relations between codes and between segments."""

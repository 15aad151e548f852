"""Writers for tables and reports: CSV, JSON, Markdown, XLSX and self-contained HTML."""

"""Tables for papers: framework matrices, code frequencies, co-occurrence (pandas, imported lazily)."""

"""REFI-QDA exchange: codebooks (.qdc) and projects (.qdpx) to and from NVivo, ATLAS.ti, MAXQDA,
QualCoder and other tools."""

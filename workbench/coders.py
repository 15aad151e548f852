"""Who counts as "all coders": the one rule every table, report and screen uses.

The reconciled coding belongs to the coder named ``consensus`` (made by decisions, see
``reconcile.py``). It is a coding of its own, chosen explicitly (``--consensus``), never one of
the coders pooled: pooling it with the coders would count every reconciled passage twice.
"""

from __future__ import annotations

from collections.abc import Iterable

CONSENSUS = "consensus"


def pooled_coders(names: Iterable[str]) -> list[str]:
    """The coders whose coding is pooled when no coder is named: every coder but the consensus,
    in the order given."""
    return [name for name in names if name != CONSENSUS]

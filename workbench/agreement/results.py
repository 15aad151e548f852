"""The records of an agreement report: what was asked (AgreementSpec), each code's coefficients
(CodeAgreement), the disagreements behind them (Disagreement) and the whole report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workbench.agreement.units import UNITS

TENTATIVE = 0.667  # Krippendorff's minimum for tentative conclusions
FIRM = 0.800
MAX_DISAGREEMENTS = 40


UNIT_CHOICES = (*UNITS, "continuum")


@dataclass(slots=True)
class AgreementSpec:
    coders: list[str]
    unit: str = "sentence"  # sentence, turn, character, or continuum (the unitizing alphas)
    overlap: str | None = None  # default: half of a sentence, any of a turn
    columns: str = "code"
    transcripts: list[int] | None = None
    threshold: float = TENTATIVE
    bootstrap: int = 0
    seed: int = 20261123
    round: str | None = None  # only segments made in this coding round
    pairing: str = "per_unit_mean"  # percent agreement: per-unit mean (Fleiss' P_o) or pooled_pairs
    bootstrap_codes: bool = True  # with ``bootstrap``: an interval per code too (not only the pooled one)


KAPPA_KEYS = ("scott_pi", "brennan_prediger", "gwet_ac1", "krippendorff_alpha_ordinal", "krippendorff_alpha_ratio")
CONTINUUM_KEYS = ("alpha_u", "alpha_u_binary", "u_alpha", "c_alpha_u", "C_alpha_u")


@dataclass(frozen=True, slots=True)
class Disagreement:
    """A stretch of a transcript (a unit, or a run of the continuum) that some of the coders coded
    with the code and the others did not."""

    transcript: str  # its title
    start: int
    end: int
    text: str  # an excerpt of the stretch
    coded_by: list[str]
    not_coded_by: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "transcript": self.transcript,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "coded_by": list(self.coded_by),
            "not_coded_by": list(self.not_coded_by),
        }


@dataclass(slots=True)
class CodeAgreement:
    code: str
    units: int
    prevalence: float | None
    percent_agreement: float | None
    cohen_kappa: float | None
    fleiss_kappa: float | None
    krippendorff_alpha: float | None
    alpha_interval: tuple[float, float] | None = None
    flagged: bool = False
    disagreements: list[Disagreement] = field(default_factory=list)
    scott_pi: float | None = None
    brennan_prediger: float | None = None
    gwet_ac1: float | None = None
    krippendorff_alpha_ordinal: float | None = None
    krippendorff_alpha_ratio: float | None = None
    percent_agreement_pooled_pairs: float | None = None
    units_pairable: int | None = None
    # --unit continuum
    alpha_u: float | None = None
    alpha_u_binary: float | None = None
    u_alpha: float | None = None
    c_alpha_u: float | None = None
    C_alpha_u: float | None = None  # noqa: N815 - the coefficient's name
    coverage: float | None = None
    continuum: bool = False
    undefined: dict[str, str] = field(default_factory=dict)  # coefficient -> why it is undefined

    @property
    def headline(self) -> float | None:
        """The coefficient codes are flagged by: alpha_u on the continuum, alpha otherwise."""
        return self.alpha_u if self.continuum else self.krippendorff_alpha

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "code": self.code,
            "units": self.units,
            "prevalence": _r(self.prevalence),
            "percent_agreement": _r(self.percent_agreement),
            "cohen_kappa": _r(self.cohen_kappa),
            "fleiss_kappa": _r(self.fleiss_kappa),
            "krippendorff_alpha": _r(self.krippendorff_alpha),
            "alpha_interval": [_r(v) for v in self.alpha_interval] if self.alpha_interval else None,
            "flagged": self.flagged,
            "disagreements": [d.as_dict() for d in self.disagreements],
        }
        for key in KAPPA_KEYS:
            data[key] = _r(getattr(self, key))
        data["percent_agreement_pooled_pairs"] = _r(self.percent_agreement_pooled_pairs)
        data["units_pairable"] = self.units_pairable
        if self.continuum:
            for key in CONTINUUM_KEYS:
                data[key] = _r(getattr(self, key))
            data["coverage"] = _r(self.coverage)
        data["undefined"] = self.undefined
        return data


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


@dataclass(slots=True)
class AgreementReport:
    spec: AgreementSpec
    transcripts: list[str]
    codes: list[CodeAgreement]
    overall: CodeAgreement
    notes: list[str]
    themes: list[CodeAgreement] = field(default_factory=list)  # --unit continuum: per semantic domain
    skipped: list[str] = field(default_factory=list)  # transcripts left out (not every coder coded them)

    def as_dict(self) -> dict[str, Any]:
        data = {
            "coders": self.spec.coders,
            "unit": self.spec.unit,
            "overlap_rule": self.spec.overlap,
            "columns": self.spec.columns,
            "threshold": self.spec.threshold,
            "transcripts": self.transcripts,
            "round": self.spec.round,
            "percent_agreement_pairing": self.spec.pairing,
            "overall": self.overall.as_dict(),
            "codes": [c.as_dict() for c in self.codes],
            "notes": self.notes,
        }
        if self.spec.unit == "continuum":
            data["formulation"] = {
                "alpha_u": "krippendorff_1995_2004",
                "alpha_u_binary": "krippendorff_2016",
                "u_alpha": "krippendorff_2016",
                "c_alpha_u": "krippendorff_2016",
                "C_alpha_u": "krippendorff_2016",
            }
            data["themes"] = [t.as_dict() for t in self.themes]
            data["skipped_transcripts"] = self.skipped
        return data

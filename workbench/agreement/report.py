"""Agreement reports as a terminal table, CSV, JSON and an XLSX sheet."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from workbench.agreement.compute import AgreementReport, CodeAgreement
from workbench.errors import WorkbenchError
from workbench.output import csv_text, json_text

COLUMNS = (
    "code",
    "units",
    "prevalence",
    "percent_agreement",
    "cohen_kappa",
    "fleiss_kappa",
    "krippendorff_alpha",
    "scott_pi",
    "brennan_prediger",
    "gwet_ac1",
)


def fmt(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "undefined"
    return f"{value:.1%}" if percent else f"{value:.3f}"


def _alpha_text(value: float | None, interval: tuple[float, float] | None) -> str:
    text = fmt(value)
    if interval:
        text += f" [{interval[0]:.3f}, {interval[1]:.3f}]"
    return text


def _row(code: CodeAgreement, report: AgreementReport) -> list[str]:
    two = len(report.spec.coders) == 2
    prevalence = "-" if code is report.overall else fmt(code.prevalence, True)
    if report.spec.unit == "continuum":
        return [
            code.code,
            f"{code.units:,}",
            prevalence,
            _alpha_text(code.alpha_u, None),
            fmt(code.alpha_u_binary),
            "below" if code.flagged else "",
        ]
    return [
        code.code,
        f"{code.units:,}",
        prevalence,
        fmt(code.percent_agreement, True),
        fmt(code.cohen_kappa if two else code.fleiss_kappa),
        *([fmt(code.scott_pi)] if two else []),
        fmt(code.brennan_prediger),
        fmt(code.gwet_ac1),
        _alpha_text(code.krippendorff_alpha, code.alpha_interval),
        "below" if code.flagged else "",
    ]


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    widths[0] = min(widths[0], 60)

    def line(r: list[str]) -> str:
        return "  ".join(
            (v[: widths[i] - 1] + "…" if len(v) > widths[i] else v).ljust(widths[i]) for i, v in enumerate(r)
        ).rstrip()

    return [line(head), line(["-" * w for w in widths])] + [line(r) for r in rows]


def agreement_table(report: AgreementReport) -> str:
    spec = report.spec
    two = len(spec.coders) == 2
    rounds = f", round {spec.round!r}" if spec.round is not None else ""
    if spec.unit == "continuum":
        head = ["code", "characters", "coded", "alpha_u", "|u-alpha", f"< {spec.threshold}"]
        lines = [
            f"Agreement of {', '.join(spec.coders)} on {len(report.transcripts)} transcripts, on the character "
            f"continuum (unitizing alphas){rounds}",
            "",
        ]
    else:
        head = [
            "code",
            "units",
            "prevalence",
            "agreement",
            "Cohen κ" if two else "Fleiss κ",
            *(["Scott π"] if two else []),
            "B-P κ",
            "AC1",
            "Krippendorff α",
            f"< {spec.threshold}",
        ]
        lines = [
            f"Agreement of {', '.join(spec.coders)} on {len(report.transcripts)} transcripts, "
            f"by {spec.unit} (overlap rule: {spec.overlap}){rounds}",
            "",
        ]
    rows = [_row(c, report) for c in report.codes] + [_row(report.overall, report)]
    lines += _table(head, rows)
    if spec.unit == "continuum":
        overall = report.overall
        lines += [
            "",
            f"Pooled: alpha_u {fmt(overall.alpha_u)}, |u-alpha {fmt(overall.alpha_u_binary)}, "
            f"Cu-alpha (which theme) {fmt(overall.C_alpha_u)}"
            + (f" ({overall.undefined['C_alpha_u']})" if "C_alpha_u" in overall.undefined else "")
            + (f", coverage {fmt(overall.coverage, True)}" if overall.coverage is not None else ""),
            "",
        ]
        theme_rows = [
            [
                t.code,
                fmt(t.alpha_u),
                fmt(t.alpha_u_binary),
                fmt(t.u_alpha),
                fmt(t.c_alpha_u),
                fmt(t.coverage, True) if t.coverage is not None else "-",
                ", ".join(sorted(set(t.undefined.values()))),
            ]
            for t in report.themes
        ]
        lines += ["By theme (semantic domain):"] + _table(
            ["theme", "alpha_u", "|u-alpha", "u-alpha", "cu-alpha", "coverage", "undefined because"], theme_rows
        )
    lines.append("")
    lines += [f"Note: {n}" for n in report.notes]
    flagged = [c for c in report.codes if c.flagged]
    for code in flagged[:10]:
        lines += ["", f"Disagreements on {code.code} ({'alpha_u' if code.continuum else 'α'} = {fmt(code.headline)}):"]
        for d in code.disagreements[:5]:
            lines.append(
                f"  {d.transcript} [{d.start}-{d.end}] coded by {', '.join(d.coded_by) or 'nobody'}, "
                f"not by {', '.join(d.not_coded_by)}: “{d.text}”"
            )
        if len(code.disagreements) > 5:
            lines.append(f"  … {len(code.disagreements) - 5} more (see --format json)")
    if len(flagged) > 10:
        lines.append(f"\n{len(flagged) - 10} more codes below {spec.threshold}: see --format json or xlsx.")
    return "\n".join(lines)


def _flat(report: AgreementReport) -> list[dict[str, Any]]:
    rows = []
    for code in report.codes + report.themes + [report.overall]:
        data = code.as_dict()
        data.pop("disagreements")
        data["undefined"] = "; ".join(f"{k}: {v}" for k, v in data["undefined"].items())
        interval = data.pop("alpha_interval")
        data["alpha_low"], data["alpha_high"] = interval if interval else (None, None)
        rows.append(data)
    return rows


def write_agreement(
    report: AgreementReport,
    fmt_name: str,
    path: Path | None,
    *,
    force: bool = False,
    protect: Iterable[str | Path] = (),
) -> str | None:
    if fmt_name == "json":
        text = json_text(report.as_dict(), default=None)
    elif fmt_name == "csv":
        rows = _flat(report)
        text = csv_text(list(rows[0]), ([row.get(k) for k in rows[0]] for row in rows))
    elif fmt_name == "xlsx":
        if path is None:
            raise WorkbenchError("an XLSX file needs a name.", hint="Add -o FILE.xlsx.")
        import pandas as pd

        from workbench.export.tables import write_xlsx

        codes = pd.DataFrame(_flat(report)).set_index("code")
        disagreements = pd.DataFrame(
            [
                {
                    "code": c.code,
                    **d.as_dict(),
                    "coded_by": ", ".join(d.coded_by),
                    "not_coded_by": ", ".join(d.not_coded_by),
                }
                for c in report.codes
                for d in c.disagreements
            ]
            or [{"code": ""}]
        ).set_index("code")
        about = pd.DataFrame(
            {
                "value": [
                    ", ".join(report.spec.coders),
                    report.spec.unit,
                    report.spec.overlap,
                    report.spec.threshold,
                    len(report.transcripts),
                    *report.notes,
                ]
            },
            index=pd.Index(
                [
                    "coders",
                    "unit",
                    "overlap rule",
                    "threshold",
                    "transcripts",
                    *[f"note {i + 1}" for i in range(len(report.notes))],
                ],
                name="field",
            ),
        )
        write_xlsx(
            path,
            [("Agreement", codes), ("Disagreements", disagreements), ("About", about)],
            wrap_columns={"text"},
            force=force,
            protect=protect,
        )
        return None
    else:
        raise WorkbenchError(f"unknown format {fmt_name!r}.")
    if path is None:
        return text
    from workbench.export.destination import write_file

    write_file(path, text, force=force, protect=protect)
    return None


REFERENCES = {
    "krippendorff": "Krippendorff, K. (2019). Content Analysis: An Introduction to Its Methodology (4th ed.). Sage.",
    "krippendorff2011": "Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability. Annenberg School for "
    "Communication, Departmental Papers 43.",
    "cohen": "Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational and Psychological "
    "Measurement, 20(1), 37-46.",
    "scott": "Scott, W. A. (1955). Reliability of content analysis: The case of nominal scale coding. Public Opinion "
    "Quarterly, 19(3), 321-325.",
    "fleiss": "Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. Psychological Bulletin, "
    "76(5), 378-382.",
    "bp": "Brennan, R. L., & Prediger, D. J. (1981). Coefficient kappa: Some uses, misuses, and alternatives. "
    "Educational and Psychological Measurement, 41(3), 687-699.",
    "gwet": "Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.). Advanced Analytics.",
    "devries": "De Vries, H., Elliott, M. N., Kanouse, D. E., & Teleki, S. S. (2008). Using pooled kappa to "
    "summarize interrater agreement across many items. Field Methods, 20(3), 272-282.",
    "u1995": "Krippendorff, K. (1995). On the reliability of unitizing continuous data. Sociological Methodology, "
    "25, 47-76.",
    "u2016": "Krippendorff, K., Mathet, Y., Bouvry, S., & Widlöcher, A. (2016). On the reliability of unitizing "
    "textual continua: Further developments. Quality & Quantity, 50(6), 2347-2364.",
}


def _names(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def methods_paragraph(report: AgreementReport) -> str:
    """A methods paragraph a paper can use, with the references it cites."""
    spec = report.spec
    m = len(spec.coders)
    coders = f"{m} coders ({_names(spec.coders)})"
    scope = f"{len(report.transcripts)} transcript{'s' if len(report.transcripts) != 1 else ''}"
    round_text = f" in coding round “{spec.round}”" if spec.round is not None else ""
    kind = {"code": "code", "theme": "theme"}.get(spec.columns, f"code at {spec.columns}")
    out: list[str] = []
    overall = report.overall
    if spec.unit == "continuum":
        out.append(
            f"Intercoder reliability was assessed on {scope} that {coders} coded independently{round_text}. "
            f"Because the coders segmented the text themselves, no unit of analysis was imposed: each coder's "
            f"segments were compared on the character continuum of the transcripts ({overall.units:,} characters), "
            f"using Krippendorff's unitizing alpha for each {kind} (alpha_u; Krippendorff, 1995) and, for the "
            f"relevance of coded matter regardless of code, |u-alpha (Krippendorff, Mathet, Bouvry & Widlöcher, 2016)."
        )
        out.append(
            f"Pooled over {len(report.codes)} {kind}s (summing observed and expected disagreement), alpha_u was "
            f"{fmt(overall.alpha_u)} and |u-alpha was {fmt(overall.alpha_u_binary)}"
            + (
                f"; Cu-alpha, agreement on which theme applies where both coders coded, was "
                f"{fmt(overall.C_alpha_u)} (coverage {fmt(overall.coverage, True)})."
                if overall.C_alpha_u is not None
                else "."
            )
        )
        values = [(c.code, c.alpha_u) for c in report.codes]
        refs = ["u1995", "u2016", "krippendorff"]
    else:
        unit = {"sentence": "sentence", "turn": "speaker turn", "character": "character"}[spec.unit]
        rule = {"any": "any part", "half": "at least half", "all": "all"}[spec.overlap or "half"]
        out.append(
            f"Intercoder reliability was assessed on {scope} that {coders} coded independently{round_text}. "
            f"The unit of analysis was the {unit}; a {unit} counted as coded with a {kind} by a coder when that coder's "
            f"segments with it covered {rule} of the {unit}. Each {kind} was treated as a present/absent variable."
        )
        coefficients = ["Krippendorff's alpha (nominal; Krippendorff, 2019)"]
        if m == 2:
            coefficients += ["Cohen's kappa (Cohen, 1960)", "Scott's pi (Scott, 1955)"]
        else:
            coefficients += ["Fleiss' kappa (Fleiss, 1971; units a coder skipped kept as in Gwet, 2014)"]
        coefficients += [
            "Brennan and Prediger's free-marginal kappa (Brennan & Prediger, 1981)",
            "Gwet's AC1 (Gwet, 2014)",
        ]
        out.append(
            "We report percent agreement ("
            + (
                "the mean over units of the share of agreeing coder pairs"
                if spec.pairing == "per_unit_mean"
                else "agreeing coder pairs over all pairs"
            )
            + "), "
            + _names(coefficients)
            + ". Pooled values sum observed and expected disagreement over "
            f"{kind}s for alpha and average observed and expected agreement before forming one coefficient "
            "for the kappa-type coefficients (De Vries et al., 2008)."
        )
        interval = (
            (
                f" (95% bootstrap interval {overall.alpha_interval[0]:.3f}-{overall.alpha_interval[1]:.3f}, "
                f"{spec.bootstrap:,} resamples of units, seed {spec.seed})"
            )
            if overall.alpha_interval
            else ""
        )
        kappa = (
            f"Cohen's kappa {fmt(overall.cohen_kappa)}, Scott's pi {fmt(overall.scott_pi)}"
            if m == 2
            else f"Fleiss' kappa {fmt(overall.fleiss_kappa)}"
        )
        out.append(
            f"Pooled over {len(report.codes)} {kind}s, Krippendorff's alpha was {fmt(overall.krippendorff_alpha)}"
            f"{interval}; percent agreement {fmt(overall.percent_agreement, True)}, {kappa}, "
            f"Brennan-Prediger {fmt(overall.brennan_prediger)}, AC1 {fmt(overall.gwet_ac1)}."
        )
        values = [(c.code, c.krippendorff_alpha) for c in report.codes]
        refs = (
            ["krippendorff", "krippendorff2011"]
            + (["cohen", "scott"] if m == 2 else ["fleiss"])
            + ["bp", "gwet", "devries"]
        )
    name = "alpha_u" if spec.unit == "continuum" else "alpha"
    low = [f"{code} ({fmt(v)})" for code, v in values if v is not None and v < 0.667]
    tentative = [f"{code} ({fmt(v)})" for code, v in values if v is not None and 0.667 <= v < 0.8]
    undefined = [code for code, v in values if v is None]
    firm = sum(1 for _, v in values if v is not None and v >= 0.8)
    out.append(
        f"Following Krippendorff's (2019) conventions, {firm} of {len(values)} {kind}s reached {name} >= 0.800; "
        + (
            f"{len(tentative)} lay between 0.667 and 0.800 and support only tentative conclusions "
            f"({'; '.join(tentative)})"
            if tentative
            else "none lay between 0.667 and 0.800"
        )
        + "; "
        + (f"{len(low)} fell below 0.667 ({'; '.join(low)})" if low else "none fell below 0.667")
        + (
            f"; {name} was undefined for {len(undefined)} {kind}s that no coder used or that showed no "
            f"variation ({'; '.join(undefined)})"
            if undefined
            else ""
        )
        + "."
    )
    text = " ".join(out)
    return text + "\n\nReferences\n" + "\n".join(REFERENCES[r] for r in sorted(set(refs), key=refs.index))

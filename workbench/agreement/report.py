"""Agreement reports as a terminal table, CSV, JSON and an XLSX sheet."""

from __future__ import annotations

from pathlib import Path

from workbench.agreement.compute import AgreementReport, CodeAgreement
from workbench.errors import WorkbenchError
from workbench.output import csv_text, json_text

COLUMNS = ("code", "units", "prevalence", "percent_agreement", "cohen_kappa", "fleiss_kappa", "krippendorff_alpha")


def fmt(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "undefined"
    return f"{value:.1%}" if percent else f"{value:.3f}"


def _row(code: CodeAgreement, report: AgreementReport) -> list[str]:
    two = len(report.spec.coders) == 2
    alpha = fmt(code.krippendorff_alpha)
    if code.alpha_interval:
        alpha += f" [{code.alpha_interval[0]:.3f}, {code.alpha_interval[1]:.3f}]"
    prevalence = "-" if code is report.overall else fmt(code.prevalence, True)
    return [code.code, f"{code.units:,}", prevalence, fmt(code.percent_agreement, True),
            fmt(code.cohen_kappa) if two else "-", fmt(code.fleiss_kappa) if not two else "-", alpha,
            "below" if code.flagged else ""]


def agreement_table(report: AgreementReport) -> str:
    spec = report.spec
    head = ["code", "units", "prevalence", "agreement", "Cohen κ", "Fleiss κ", "Krippendorff α", f"< {spec.threshold}"]
    rows = [_row(c, report) for c in report.codes] + [_row(report.overall, report)]
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    widths[0] = min(widths[0], 60)
    lines = [f"Agreement of {', '.join(spec.coders)} on {len(report.transcripts)} transcripts, "
             f"by {spec.unit} (overlap rule: {spec.overlap})", ""]
    line = lambda r: "  ".join((v[:widths[i] - 1] + "…" if len(v) > widths[i] else v).ljust(widths[i])
                               for i, v in enumerate(r)).rstrip()
    lines += [line(head), line(["-" * w for w in widths])] + [line(r) for r in rows]
    lines.append("")
    lines += [f"Note: {n}" for n in report.notes]
    flagged = [c for c in report.codes if c.flagged]
    for code in flagged[:10]:
        lines += ["", f"Disagreements on {code.code} (α = {fmt(code.krippendorff_alpha)}):"]
        for d in code.disagreements[:5]:
            lines.append(f"  {d['transcript']} [{d['start']}-{d['end']}] coded by {', '.join(d['coded_by']) or 'nobody'}, "
                         f"not by {', '.join(d['not_coded_by'])}: “{d['text']}”")
        if len(code.disagreements) > 5:
            lines.append(f"  … {len(code.disagreements) - 5} more (see --format json)")
    if len(flagged) > 10:
        lines.append(f"\n{len(flagged) - 10} more codes below {spec.threshold}: see --format json or xlsx.")
    return "\n".join(lines)


def _flat(report: AgreementReport) -> list[dict]:
    rows = []
    for code in report.codes + [report.overall]:
        data = code.as_dict()
        data.pop("disagreements")
        interval = data.pop("alpha_interval")
        data["alpha_low"], data["alpha_high"] = interval if interval else (None, None)
        rows.append(data)
    return rows


def write_agreement(report: AgreementReport, fmt_name: str, path: Path | None, *, force: bool = False,
                    protect: tuple = ()) -> str | None:
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
        disagreements = pd.DataFrame([{"code": c.code, **d, "coded_by": ", ".join(d["coded_by"]),
                                       "not_coded_by": ", ".join(d["not_coded_by"])}
                                      for c in report.codes for d in c.disagreements] or [{"code": ""}]).set_index("code")
        about = pd.DataFrame({"value": [", ".join(report.spec.coders), report.spec.unit, report.spec.overlap,
                                        report.spec.threshold, len(report.transcripts), *report.notes]},
                             index=pd.Index(["coders", "unit", "overlap rule", "threshold", "transcripts",
                                             *[f"note {i + 1}" for i in range(len(report.notes))]], name="field"))
        write_xlsx(path, [("Agreement", codes), ("Disagreements", disagreements), ("About", about)],
                   wrap_columns={"text"}, force=force, protect=protect)
        return None
    else:
        raise WorkbenchError(f"unknown format {fmt_name!r}.")
    if path is None:
        return text
    from workbench.export.destination import write_file

    write_file(path, text, force=force, protect=protect)
    return None

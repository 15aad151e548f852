"""Agreement reports as a terminal table, CSV, JSON and an XLSX sheet."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from workbench.agreement.compute import AgreementReport, CodeAgreement
from workbench.errors import WorkbenchError
from workbench.output import neutralize

COLUMNS = ("code", "units", "prevalence", "percent_agreement", "cohen_kappa", "fleiss_kappa", "krippendorff_alpha",
           "scott_pi", "brennan_prediger", "gwet_ac1")


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
        return [code.code, f"{code.units:,}", prevalence, _alpha_text(code.alpha_u, None), fmt(code.alpha_u_binary),
                "below" if code.flagged else ""]
    return [code.code, f"{code.units:,}", prevalence, fmt(code.percent_agreement, True),
            fmt(code.cohen_kappa if two else code.fleiss_kappa), *([fmt(code.scott_pi)] if two else []),
            fmt(code.brennan_prediger), fmt(code.gwet_ac1), _alpha_text(code.krippendorff_alpha, code.alpha_interval),
            "below" if code.flagged else ""]


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    widths[0] = min(widths[0], 60)
    line = lambda r: "  ".join((v[:widths[i] - 1] + "…" if len(v) > widths[i] else v).ljust(widths[i])  # noqa: E731
                               for i, v in enumerate(r)).rstrip()
    return [line(head), line(["-" * w for w in widths])] + [line(r) for r in rows]


def agreement_table(report: AgreementReport) -> str:
    spec = report.spec
    two = len(spec.coders) == 2
    rounds = f", round {spec.round!r}" if spec.round is not None else ""
    if spec.unit == "continuum":
        head = ["code", "characters", "coded", "alpha_u", "|u-alpha", f"< {spec.threshold}"]
        lines = [f"Agreement of {', '.join(spec.coders)} on {len(report.transcripts)} transcripts, on the character "
                 f"continuum (unitizing alphas){rounds}", ""]
    else:
        head = ["code", "units", "prevalence", "agreement", "Cohen κ" if two else "Fleiss κ",
                *(["Scott π"] if two else []), "B-P κ", "AC1", "Krippendorff α", f"< {spec.threshold}"]
        lines = [f"Agreement of {', '.join(spec.coders)} on {len(report.transcripts)} transcripts, "
                 f"by {spec.unit} (overlap rule: {spec.overlap}){rounds}", ""]
    rows = [_row(c, report) for c in report.codes] + [_row(report.overall, report)]
    lines += _table(head, rows)
    if spec.unit == "continuum":
        overall = report.overall
        lines += ["", f"Pooled: alpha_u {fmt(overall.alpha_u)}, |u-alpha {fmt(overall.alpha_u_binary)}, "
                      f"Cu-alpha (which theme) {fmt(overall.C_alpha_u)}"
                      + (f" ({overall.undefined['C_alpha_u']})" if "C_alpha_u" in overall.undefined else "")
                      + (f", coverage {fmt(overall.coverage, True)}" if overall.coverage is not None else ""), ""]
        theme_rows = [[t.code, fmt(t.alpha_u), fmt(t.alpha_u_binary), fmt(t.u_alpha), fmt(t.c_alpha_u),
                       fmt(t.coverage, True) if t.coverage is not None else "-",
                       ", ".join(sorted(set(t.undefined.values())))] for t in report.themes]
        lines += ["By theme (semantic domain):"] + _table(
            ["theme", "alpha_u", "|u-alpha", "u-alpha", "cu-alpha", "coverage", "undefined because"], theme_rows)
    lines.append("")
    lines += [f"Note: {n}" for n in report.notes]
    flagged = [c for c in report.codes if c.flagged]
    for code in flagged[:10]:
        lines += ["", f"Disagreements on {code.code} ({'alpha_u' if code.continuum else 'α'} = {fmt(code.headline)}):"]
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
    for code in report.codes + report.themes + [report.overall]:
        data = code.as_dict()
        data.pop("disagreements")
        data["undefined"] = "; ".join(f"{k}: {v}" for k, v in data["undefined"].items())
        interval = data.pop("alpha_interval")
        data["alpha_low"], data["alpha_high"] = interval if interval else (None, None)
        rows.append(data)
    return rows


def write_agreement(report: AgreementReport, fmt_name: str, path: Path | None) -> str | None:
    if fmt_name == "json":
        text = json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n"
    elif fmt_name == "csv":
        rows = _flat(report)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: neutralize(v) for k, v in row.items()} for row in rows)
        text = buffer.getvalue()
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
                   wrap_columns={"text"})
        return None
    else:
        raise WorkbenchError(f"unknown format {fmt_name!r}.")
    if path is None:
        return text
    path.write_text(text, encoding="utf-8")
    return None

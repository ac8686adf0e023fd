"""The evidence pack and the transfer dossier as pages, in one language each: the pack document
(`pack.json`, language-free) formatted for the locale and rendered with the i18n templates."""

from __future__ import annotations

from reporting.i18n import Formatter, translations
from reporting.plots import history_svg
from reporting.render import environment


def titles(lang: str) -> dict[str, str]:
    """Evidence titles by the stem of their file name, translated."""
    _ = translations(lang).gettext
    return {"registry": _("Model inventory entry and change log (registry)"),
            "model_card": _("Model card facts (signed)"),
            "manifest": _("Bundle manifest and lineage (signed)"),
            "verification": _("Signature and hash verification"),
            "metric_history": _("Metric history across versions (test split)"),
            "decisions": _("Decision log: counts and chain points for the period"),
            "checkpoint": _("Signed checkpoint of the decision log"),
            "monitoring-rollup": _("Monitoring roll-up for the period"),
            "monitoring-reports": _("Monitoring reports of the period"),
            "outcomes-analysis": _("Outcomes analysis: AUC, calibration and DeLong on observed "
                                   "defaults"),
            "transfer": _("Cross-border transfer record (training extract)"),
            "transfer-none": _("Cross-border transfer: none (trained onshore)"),
            "promotion-ledger": _("Promotion ledger: transitions, approvals and refusals"),
            "dr-drills": _("DR drill reports of the period")}


def notes(lang: str) -> dict[str, str]:
    """The known gap and partial-evidence texts, translated (others are shown as written)."""
    _ = translations(lang).gettext
    return {
        "an independent validation report": _("an independent validation report"),
        "monitoring reports and roll-ups for the period":
            _("monitoring reports and roll-ups for the period"),
        "an outcomes analysis (backtest on observed defaults)":
            _("an outcomes analysis (backtest on observed defaults)"),
        "the incident log": _("the incident log"),
        "no quarterly roll-up is on record for the period (seawall monitor rollup)":
            _("no quarterly roll-up is on record for the period (seawall monitor rollup)"),
        "DR drill reports": _("DR drill reports"),
        "automatic decisions are logged and hash-chained; human overrides are not recorded yet":
            _("automatic decisions are logged and hash-chained; human overrides are not "
              "recorded yet"),
        "the model was trained onshore: no data crossed the border":
            _("the model was trained onshore: no data crossed the border"),
        "the dossier itself is written by seawall report transfer; its assessment fields are "
        "the officer's": _("the dossier itself is written by seawall report transfer; its "
                           "assessment fields are the officer's"),
        "the validator's report itself: its approval is in promotion-ledger.json, under the "
        "change ticket it names": _("the validator's report itself: its approval is in "
                                    "promotion-ledger.json, under the change ticket it names"),
        "seawall incident (not built); rollbacks and refused promotions are in "
        "promotion-ledger.json": _("seawall incident (not built); rollbacks and refused "
                                   "promotions are in promotion-ledger.json"),
        "the promotion ledger and the model inventory":
            _("the promotion ledger and the model inventory"),
        "seawall import, then seawall approve and seawall promote":
            _("seawall import, then seawall approve and seawall promote"),
        "seawall monitor (drift and performance monitoring, not built)":
            _("seawall monitor (drift and performance monitoring, not built)"),
        "seawall monitor with observed outcomes (not built)":
            _("seawall monitor with observed outcomes (not built)"),
        "seawall drill run --from <region> --to <its DR pair> (docs/sre.md)":
            _("seawall drill run --from <region> --to <its DR pair> (docs/sre.md)"),
        "a signed checkpoint of the decision log": _("a signed checkpoint of the decision log"),
    }


def render_pack(doc: dict, lang: str) -> str:
    f = Formatter(lang)
    named = titles(lang)
    texts = notes(lang)
    evidence = [{**e, "title": named.get(_stem(e), e["title"]),
                 "size": f.count(e["bytes"]), "note": texts.get(e["note"], e["note"])}
                for e in doc["evidence"]]
    history = next((e["facts"]["history"] for e in doc["evidence"]
                    if e["id"] == "metric_history.json"), [])
    decisions = next((e["facts"] for e in doc["evidence"] if e["id"] == "decisions.json"), None)
    sections = [{**s, "groups": [{**item, "rows": [_row(r, lang, texts) for r in item["rows"]]}
                                for item in s["groups"]]} for s in doc["sections"]]
    return environment(lang).get_template("evidence.html.j2").render(
        lang=lang, doc=doc, subject=doc["subject"], period=doc["period"],
        generated=f.when(doc["generated_at"]), evidence=evidence, sections=sections,
        gaps=[_gap(g, texts) for g in doc["gaps"]],
        summary={k: f.count(v) for k, v in doc["summary"].items()},
        gap_count=doc["summary"]["gaps"],
        decisions=None if decisions is None else {
            "count": f.count(decisions["decisions"]), "last_hash": decisions["last_hash"],
            "last_seq": f.count(decisions["last_seq"]),
            "versions": [{**v, "decisions": f.count(v["decisions"])}
                         for v in decisions["versions"]]},
        history=[{**h, "auc": f.number(h["auc"]), "ks": f.number(h["ks"]),
                  "brier": f.number(h["brier"]), "rows": f.count(h["rows"])} for h in history],
        history_plot=history_svg(history, f) if history else "")


def _stem(piece: dict) -> str:
    stem = piece["id"].split("-v")[0].split(".")[0]
    return stem + ("-none" if piece["facts"].get("crossed") is False else "")


def _row(row: dict, lang: str, texts: dict[str, str]) -> dict:
    return {**row, "name": row["name"][lang], "notes": [texts.get(n, n) for n in row["notes"]],
            "gaps": [_gap(g, texts) for g in row["gaps"]]}


def _gap(gap: dict, texts: dict[str, str]) -> dict:
    return {**gap, "missing": texts.get(gap["missing"], gap["missing"]),
            "produce": texts.get(gap["produce"], gap["produce"])}


def render_dossier(doc: dict, lang: str) -> str:
    f = Formatter(lang)
    transfers = [{**t, "rows": f.count(t["extract"]["rows"] or 0),
                  "trained": f.when(t["trained_at"])} for t in doc["transfers"]]
    return environment(lang).get_template("transfer.html.j2").render(
        lang=lang, doc=doc, transfers=transfers, generated=f.when(doc["generated_at"]),
        total_rows=f.count(doc["data_types"]["rows"]))

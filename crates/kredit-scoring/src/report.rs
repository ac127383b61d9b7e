//! The training report: one self-contained HTML file with inline SVG charts
//! (no scripts, no external resources), readable offline and archivable.

use std::fmt::Write;

use crate::binning::FeatureBinning;
use crate::evaluate::Evaluation;
use crate::metrics::cumulative_curve;
use crate::model::{Model, ModelBody, Prediction};

const WIDTH: f64 = 440.0;
const HEIGHT: f64 = 300.0;
const MARGIN: f64 = 48.0;
const BAD_COLOUR: &str = "#c0392b";
const GOOD_COLOUR: &str = "#2471a3";
const GREY: &str = "#999";

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

struct Series<'a> {
    name: &'a str,
    colour: &'a str,
    points: Vec<(f64, f64)>,
    dashed: bool,
}

struct Axes<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    x: (f64, f64),
    y: (f64, f64),
}

/// Keeps at most `limit` evenly spaced points (always the first and last).
fn thin(points: Vec<(f64, f64)>, limit: usize) -> Vec<(f64, f64)> {
    if points.len() <= limit {
        return points;
    }
    let step = (points.len() - 1) as f64 / (limit - 1) as f64;
    (0..limit)
        .map(|k| points[((k as f64) * step).round() as usize])
        .collect()
}

fn line_chart(axes: &Axes, series: &[Series]) -> String {
    let (x0, x1) = axes.x;
    let (y0, y1) = axes.y;
    let span = |a: f64, b: f64| if b > a { b - a } else { 1.0 };
    let px = |x: f64| MARGIN + (x - x0) / span(x0, x1) * (WIDTH - 2.0 * MARGIN);
    let py = |y: f64| HEIGHT - MARGIN - (y - y0) / span(y0, y1) * (HEIGHT - 2.0 * MARGIN);
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img"><title>{t}</title><text x="{cx}" y="20" text-anchor="middle" font-weight="bold">{t}</text>"#,
        t = escape(axes.title),
        cx = WIDTH / 2.0
    );
    let _ = write!(
        svg,
        r#"<rect x="{MARGIN}" y="{MARGIN}" width="{w}" height="{h}" fill="none" stroke="{GREY}"/>"#,
        w = WIDTH - 2.0 * MARGIN,
        h = HEIGHT - 2.0 * MARGIN
    );
    for k in 0..=4 {
        let fx = x0 + span(x0, x1) * f64::from(k) / 4.0;
        let fy = y0 + span(y0, y1) * f64::from(k) / 4.0;
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" font-size="10" text-anchor="middle">{}</text><text x="{}" y="{}" font-size="10" text-anchor="end">{}</text>"#,
            px(fx),
            HEIGHT - MARGIN + 14.0,
            tick(fx),
            MARGIN - 4.0,
            py(fy) + 3.0,
            tick(fy)
        );
    }
    let _ = write!(
        svg,
        r#"<text x="{}" y="{}" font-size="11" text-anchor="middle">{}</text><text x="12" y="{}" font-size="11" text-anchor="middle" transform="rotate(-90 12 {})">{}</text>"#,
        WIDTH / 2.0,
        HEIGHT - 10.0,
        escape(axes.x_label),
        HEIGHT / 2.0,
        HEIGHT / 2.0,
        escape(axes.y_label)
    );
    for (k, s) in series.iter().enumerate() {
        let path: Vec<String> = s
            .points
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y)))
            .collect();
        let dash = if s.dashed {
            r#" stroke-dasharray="4 3""#
        } else {
            ""
        };
        let _ = write!(
            svg,
            r#"<polyline fill="none" stroke="{c}" stroke-width="1.8"{dash} points="{p}"/><text x="{lx}" y="{ly}" font-size="11" fill="{c}">{n}</text>"#,
            c = s.colour,
            p = path.join(" "),
            lx = MARGIN + 8.0,
            ly = MARGIN + 14.0 + 14.0 * k as f64,
            n = escape(s.name)
        );
    }
    svg.push_str("</svg>");
    svg
}

fn tick(x: f64) -> String {
    if x.abs() >= 10.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

fn solid<'a>(name: &'a str, colour: &'a str, points: Vec<(f64, f64)>) -> Series<'a> {
    Series {
        name,
        colour,
        points,
        dashed: false,
    }
}

/// The dashed reference line y = x up to `top`.
fn diagonal(top: f64) -> Series<'static> {
    Series {
        name: "chance",
        colour: "#999999",
        points: vec![(0.0, 0.0), (top, top)],
        dashed: true,
    }
}

fn roc_and_ks(pd: &[f64], bad: &[bool], evaluation: &Evaluation) -> String {
    let curve = cumulative_curve(pd, bad);
    let roc = thin(
        curve.iter().map(|p| (p.good_share, p.bad_share)).collect(),
        400,
    );
    let roc_chart = line_chart(
        &Axes {
            title: &format!("ROC (AUC {:.3})", evaluation.auc),
            x_label: "share of goods declined",
            y_label: "share of bads declined",
            x: (0.0, 1.0),
            y: (0.0, 1.0),
        },
        &[solid("model", BAD_COLOUR, roc), diagonal(1.0)],
    );
    let n = pd.len().max(1) as f64;
    let bads = evaluation.bads as f64;
    let population =
        |p: &crate::metrics::CumulativePoint| (p.bad_share * bads + p.good_share * (n - bads)) / n;
    let cum_bad = thin(
        curve.iter().map(|p| (population(p), p.bad_share)).collect(),
        400,
    );
    let cum_good = thin(
        curve
            .iter()
            .map(|p| (population(p), p.good_share))
            .collect(),
        400,
    );
    let ks_chart = line_chart(
        &Axes {
            title: &format!("KS (KS {:.3})", evaluation.ks),
            x_label: "share of applications, riskiest first",
            y_label: "cumulative share",
            x: (0.0, 1.0),
            y: (0.0, 1.0),
        },
        &[
            solid("bads", BAD_COLOUR, cum_bad),
            solid("goods", GOOD_COLOUR, cum_good),
        ],
    );
    roc_chart + &ks_chart
}

fn score_distributions(predictions: &[Prediction], bad: &[bool]) -> String {
    let scores: Vec<f64> = predictions.iter().map(|p| p.score).collect();
    let low = scores.iter().copied().fold(f64::INFINITY, f64::min);
    let high = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    const BUCKETS: usize = 20;
    let width = ((high - low) / BUCKETS as f64).max(1e-9);
    let histogram = |class: bool| {
        let mut counts = [0.0; BUCKETS];
        let members = bad.iter().filter(|&&b| b == class).count().max(1) as f64;
        for (&s, _) in scores.iter().zip(bad).filter(|(_, b)| **b == class) {
            counts[(((s - low) / width) as usize).min(BUCKETS - 1)] += 1.0;
        }
        (0..BUCKETS)
            .map(|k| (low + width * (k as f64 + 0.5), counts[k] / members))
            .collect::<Vec<_>>()
    };
    let (goods, bads) = (histogram(false), histogram(true));
    let top = goods.iter().chain(&bads).map(|p| p.1).fold(0.0, f64::max);
    line_chart(
        &Axes {
            title: "Score distribution",
            x_label: "score",
            y_label: "share of class",
            x: (low, high),
            y: (0.0, top),
        },
        &[
            solid("goods", GOOD_COLOUR, goods),
            solid("bads", BAD_COLOUR, bads),
        ],
    )
}

fn calibration(pd: &[f64], bad: &[bool]) -> String {
    let mut order: Vec<usize> = (0..pd.len()).collect();
    order.sort_by(|&a, &b| pd[a].total_cmp(&pd[b]));
    const GROUPS: usize = 10;
    let points: Vec<(f64, f64)> = (0..GROUPS)
        .filter_map(|g| {
            let part = &order[g * order.len() / GROUPS..(g + 1) * order.len() / GROUPS];
            (!part.is_empty()).then(|| {
                let n = part.len() as f64;
                (
                    part.iter().map(|&i| pd[i]).sum::<f64>() / n,
                    part.iter().filter(|&&i| bad[i]).count() as f64 / n,
                )
            })
        })
        .collect();
    let top = points
        .iter()
        .map(|p| p.0.max(p.1))
        .fold(0.0, f64::max)
        .max(0.05);
    line_chart(
        &Axes {
            title: "Calibration (deciles of PD)",
            x_label: "mean predicted PD",
            y_label: "observed bad rate",
            x: (0.0, top),
            y: (0.0, top),
        },
        &[
            Series {
                name: "model",
                colour: BAD_COLOUR,
                points,
                dashed: false,
            },
            diagonal(top),
        ],
    )
}

fn importance_table(rows: &[(String, f64)], heading: &str) -> String {
    let top = rows.iter().map(|r| r.1).fold(0.0, f64::max).max(1e-12);
    let mut html = format!(
        "<table><tr><th>feature</th><th>{}</th><th></th></tr>",
        escape(heading)
    );
    for (name, value) in rows {
        let _ = write!(
            html,
            r#"<tr><td>{}</td><td class="n">{value:.4}</td><td><div class="bar" style="width:{:.0}px"></div></td></tr>"#,
            escape(name),
            value / top * 240.0
        );
    }
    html + "</table>"
}

fn bin_table(name: &str, binning: &FeatureBinning, points: &[f64]) -> String {
    let mut html = format!(
        "<h3>{} <small>IV {:.4}, trend {:?}</small></h3><table><tr><th>bin</th><th>goods</th><th>bads</th><th>bad rate</th><th>WoE</th><th>IV</th><th>points</th></tr>",
        escape(name),
        binning.iv,
        binning.trend
    );
    for (bin, p) in binning.bins.iter().zip(points) {
        let count = bin.goods + bin.bads;
        let rate = if count == 0 {
            0.0
        } else {
            f64::from(bin.bads) / f64::from(count)
        };
        let _ = write!(
            html,
            r#"<tr><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{:.1}%</td><td class="n">{:.4}</td><td class="n">{:.4}</td><td class="n">{:.1}</td></tr>"#,
            escape(&bin.label),
            bin.goods,
            bin.bads,
            rate * 100.0,
            bin.woe,
            bin.iv,
            p
        );
    }
    html + "</table>"
}

fn metrics_table(e: &Evaluation) -> String {
    let c = &e.confusion;
    format!(
        r#"<table><tr><th>rows</th><th>bads</th><th>AUC</th><th>Gini</th><th>KS</th><th>Brier</th><th>log-loss</th><th>PD cutoff</th><th>expected cost</th></tr>
<tr><td class="n">{}</td><td class="n">{}</td><td class="n">{:.4}</td><td class="n">{:.4}</td><td class="n">{:.4}</td><td class="n">{:.4}</td><td class="n">{:.4}</td><td class="n">{:.4}</td><td class="n">{:.4}</td></tr></table>
<p>At the cutoff: {} goods and {} bads accepted, {} goods and {} bads declined (cost {} per accepted bad, {} per declined good).</p>"#,
        e.rows,
        e.bads,
        e.auc,
        e.gini,
        e.ks,
        e.brier,
        e.log_loss,
        e.pd_cutoff,
        e.expected_cost,
        c.accepted_good,
        c.accepted_bad,
        c.rejected_good,
        c.rejected_bad,
        e.costs.accept_bad,
        e.costs.reject_good
    )
}

fn band_table(e: &Evaluation) -> String {
    let mut html = String::from(
        "<table><tr><th>score above</th><th>score at most</th><th>count</th><th>bads</th><th>bad rate</th><th>share</th><th>training share</th></tr>",
    );
    let bound = |b: Option<f64>| b.map_or("–".to_string(), |x| format!("{x:.1}"));
    for b in &e.bands {
        let _ = write!(
            html,
            r#"<tr><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{:.1}%</td><td class="n">{:.1}%</td><td class="n">{:.1}%</td></tr>"#,
            bound(b.score_above),
            bound(b.score_at_most),
            b.count,
            b.bads,
            b.bad_rate * 100.0,
            b.share * 100.0,
            b.training_share * 100.0
        );
    }
    html + &format!("</table><p>PSI against training: {:.4}</p>", e.psi)
}

/// Renders the report for a model and its validation predictions.
pub fn render(
    model: &Model,
    evaluation: &Evaluation,
    predictions: &[Prediction],
    bad: &[bool],
) -> String {
    let artefact = model.artefact();
    let pd: Vec<f64> = predictions.iter().map(|p| p.pd).collect();
    let mut body = format!(
        "<h1>Kredit model report: {} for {} = {}</h1><p>Trained on {} rows (bad rate {:.1}%), seed {}; measured on {} held-out validation rows{}.</p>",
        model.kind(),
        escape(&artefact.target.column),
        escape(&artefact.target.bad_value),
        artefact.training.rows_train,
        artefact.training.bad_rate_train * 100.0,
        artefact.training.seed,
        evaluation.rows,
        if artefact.training.refit_on_all {
            " by the model before its refit on all rows"
        } else {
            ""
        }
    );
    body += "<h2>Validation metrics</h2>";
    body += &metrics_table(evaluation);
    body += "<div class=\"charts\">";
    body += &roc_and_ks(&pd, bad, evaluation);
    body += &score_distributions(predictions, bad);
    body += &calibration(&pd, bad);
    body += "</div><h2>Score bands</h2>";
    body += &band_table(evaluation);
    match &artefact.model {
        ModelBody::Scorecard(card) => {
            let mut importance: Vec<(String, f64)> = card
                .features
                .iter()
                .map(|f| (f.feature.clone(), f.binning.iv))
                .collect();
            importance.sort_by(|a, b| b.1.total_cmp(&a.1));
            body += "<h2>Feature importance</h2>";
            body += &importance_table(&importance, "information value");
            body += &format!(
                "<h2>Scorecard</h2><p>Base points {:.2}.</p>",
                card.base_points
            );
            for f in &card.features {
                body += &bin_table(&f.feature, &f.binning, &f.points);
            }
            body += "<h2>Feature selection</h2><table><tr><th>feature</th><th>IV</th><th>selected</th><th>reason</th></tr>";
            for s in &card.selection {
                let _ = write!(
                    body,
                    r#"<tr><td>{}</td><td class="n">{:.4}</td><td>{}</td><td>{}</td></tr>"#,
                    escape(&s.feature),
                    s.iv,
                    if s.selected { "yes" } else { "no" },
                    escape(&s.reason)
                );
            }
            body += "</table>";
        }
        ModelBody::Gbm(gbm) => {
            let total: f64 = gbm.feature_gain.iter().sum::<f64>().max(1e-12);
            let mut importance: Vec<(String, f64)> = artefact
                .features
                .iter()
                .zip(&gbm.feature_gain)
                .map(|(s, g)| (s.name.clone(), g / total))
                .collect();
            importance.sort_by(|a, b| b.1.total_cmp(&a.1));
            body += &format!(
                "<h2>Feature importance</h2><p>{} trees.</p>",
                gbm.trees.len()
            );
            body += &importance_table(&importance, "share of split gain");
        }
    }
    if !artefact.training.dropped.is_empty() {
        body += "<h2>Columns not used</h2><ul>";
        for d in &artefact.training.dropped {
            let _ = write!(
                body,
                "<li>{}: {}</li>",
                escape(&d.feature),
                escape(&d.reason)
            );
        }
        body += "</ul>";
    }
    format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Kredit model report</title><style>
body{{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1400px}}table{{border-collapse:collapse;margin:0.5em 0 1em}}
td,th{{border:1px solid #ddd;padding:3px 8px;font-size:13px}}th{{background:#f4f4f4}}td.n{{text-align:right;font-variant-numeric:tabular-nums}}
.charts svg{{margin:0 1em 1em 0;border:1px solid #eee}}.bar{{height:10px;background:{GOOD_COLOUR}}}h3 small{{font-weight:normal;color:#666}}
</style></head><body>{body}</body></html>"#
    )
}

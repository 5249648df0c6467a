//! The HTML report: one self-contained page (no scripts, nothing loaded from
//! the network) that reads on a wide screen, on a phone and on paper.
//!
//! - Failures over time, stacked by diagnosis, on a continuous UTC axis:
//!   hours, days, weeks or months, whichever keeps the bars countable, so a
//!   quiet stretch shows as a gap; a y axis with ticks; dates with the year.
//! - Colours from Okabe and Ito's palette, told apart with the common
//!   colour-vision deficiencies; past eight diagnoses the rest share grey.
//! - A narrower drawing of the same chart for a phone's width; tables
//!   scroll sideways inside their box rather than widening the page.
//! - Printing repeats table headers on each page and keeps a heading with
//!   what follows it.

use super::report::Status;
use super::Summary;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Timelike};
use html_escape::encode_text as esc;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Okabe & Ito (2008), "Color Universal Design": distinct for deuteranopia,
/// protanopia and tritanopia. Black is left for text.
const PALETTE: [&str; 8] = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#7A5195"];
/// Diagnoses past the palette's size, drawn as one series.
const OTHER: &str = "#999999";
const OTHER_ID: &str = "(other diagnoses)";
/// The most bars a chart draws before it takes a wider bin.
const MAX_BINS: i64 = 400;

const STYLE: &str = "\
body{print-color-adjust:exact;-webkit-print-color-adjust:exact;font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;margin:1.5em auto;max-width:1100px;padding:0 1em;color:#222;line-height:1.4}\
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em}h3{font-size:1em;margin:1.2em 0 .3em}\
.scroll{overflow-x:auto;max-width:100%}\
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;font-size:.9em;vertical-align:top}\
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}\
.pass{color:#1a7f37;font-weight:bold}.fail{color:#b3261e;font-weight:bold}.nc{color:#666}\
.legend{display:flex;flex-wrap:wrap;gap:.3em 1.2em;font-size:.85em;margin:.3em 0 1em}\
.sw{display:inline-block;width:.9em;height:.9em;margin-right:.35em;vertical-align:-.1em;border:1px solid #0003}\
.bar{display:inline-block;height:.8em;min-width:1px;vertical-align:-.05em}\
.chart svg{width:100%;height:auto;display:block}.chart svg.narrow{display:none}\
@media (max-width:640px){body{margin:.8em auto;padding:0 .6em}.chart svg.wide{display:none}.chart svg.narrow{display:block}td,th{font-size:.8em;padding:.2em .4em}}\
@media print{body{max-width:none;margin:0;padding:0;font-size:10pt}.chart svg.narrow{display:none}.chart svg.wide{display:block}\
.scroll{overflow:visible}table{width:100%}td,th{overflow-wrap:break-word;font-size:8.5pt;padding:.15em .35em}thead{display:table-header-group}tr,.chart,.legend{break-inside:avoid}h1,h2,h3{break-after:avoid}\
.keep{break-inside:avoid}a{color:inherit;text-decoration:none}}\
.foot{color:#666;font-size:.8em}";

/// The summary as one self-contained HTML page, with charts; all text from
/// the logs is escaped.
pub fn html_report(s: &Summary, title: &str) -> String {
    let series = Series::of(s);
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{t}</title>\n<style>{STYLE}</style></head><body>\n<h1>{t}</h1>\n<p>{} sign-in records: {}; {} bad records skipped.",
        s.records,
        esc(&s.headline()),
        s.bad_records,
        t = esc(title)
    );
    if let Some((a, b)) = &s.span {
        let _ = write!(h, " The records run from {} to {} UTC.", esc(&when(a)), esc(&when(b)));
    }
    h.push_str("</p>\n");
    if !s.filter.is_empty() {
        let _ = write!(h, "<p>{}.", esc(&s.selection()));
        if s.outside_window > 0 {
            let _ = write!(h, " {} records outside the time window were passed over.", s.outside_window);
        }
        h.push_str(" The rollout checks cover every user in the window; the history, the whole log.</p>\n");
    }
    time_chart(&mut h, s, &series);
    diagnoses_table(&mut h, s, &series);
    users_table(&mut h, s);
    checks(&mut h, s);
    bad_records(&mut h, s);
    h.push_str("<p class=\"foot\">Made by signin-doctor. Times are UTC. This page loads nothing from the network.</p>\n</body></html>\n");
    h
}

/// The diagnoses in chart order (most attempts first), each with its colour.
struct Series<'a> {
    /// (diagnosis id, colour); past the palette, the rest are one "other" series.
    shown: Vec<(&'a str, &'static str)>,
}

impl<'a> Series<'a> {
    fn of(s: &'a Summary) -> Self {
        let mut ids: Vec<&String> = s.diagnoses.keys().collect();
        ids.sort_by(|a, b| s.diagnoses[*b].count.cmp(&s.diagnoses[*a].count).then(a.cmp(b)));
        let mut shown: Vec<(&str, &'static str)> = ids.iter().take(PALETTE.len()).zip(PALETTE).map(|(id, c)| (id.as_str(), c)).collect();
        if ids.len() > PALETTE.len() {
            shown.push((OTHER_ID, OTHER));
        }
        Series { shown }
    }
    fn colour(&self, id: &str) -> &'static str {
        self.shown.iter().find(|(x, _)| *x == id).map_or(OTHER, |(_, c)| c)
    }
    /// The series a diagnosis is drawn in.
    fn series_of<'b>(&self, id: &'b str) -> &'b str {
        if self.shown.iter().any(|(x, _)| *x == id) {
            id
        } else {
            OTHER_ID
        }
    }
}

/// The width of a chart's bins.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Bin {
    Hour,
    Day,
    Week,
    Month,
    Year,
}

impl Bin {
    fn floor(self, t: NaiveDateTime) -> NaiveDateTime {
        let day = t.date();
        let d = match self {
            Bin::Hour => return t.date().and_hms_opt(t.hour(), 0, 0).unwrap_or(t),
            Bin::Day => day,
            Bin::Week => day - Duration::days(i64::from(day.weekday().num_days_from_monday())),
            Bin::Month => NaiveDate::from_ymd_opt(day.year(), day.month(), 1).unwrap_or(day),
            Bin::Year => NaiveDate::from_ymd_opt(day.year(), 1, 1).unwrap_or(day),
        };
        d.and_hms_opt(0, 0, 0).unwrap_or(t)
    }
    fn next(self, t: NaiveDateTime) -> NaiveDateTime {
        match self {
            Bin::Hour => t + Duration::hours(1),
            Bin::Day => t + Duration::days(1),
            Bin::Week => t + Duration::days(7),
            Bin::Month => t.checked_add_months(chrono::Months::new(1)).unwrap_or(t + Duration::days(31)),
            Bin::Year => t.checked_add_months(chrono::Months::new(12)).unwrap_or(t + Duration::days(366)),
        }
    }
    fn label(self, t: NaiveDateTime) -> String {
        match self {
            Bin::Hour => t.format("%Y-%m-%d %H:00").to_string(),
            Bin::Day => t.format("%Y-%m-%d").to_string(),
            Bin::Week => t.format("week of %Y-%m-%d").to_string(),
            Bin::Month => t.format("%Y-%m").to_string(),
            Bin::Year => t.format("%Y").to_string(),
        }
    }
    fn noun(self) -> &'static str {
        match self {
            Bin::Hour => "hour",
            Bin::Day => "day",
            Bin::Week => "week",
            Bin::Month => "month",
            Bin::Year => "year",
        }
    }
    /// The narrowest bin that keeps the chart within [`MAX_BINS`] bars.
    fn fitting(first: NaiveDateTime, last: NaiveDateTime) -> Bin {
        let span = last - first;
        if span.num_hours() < MAX_BINS {
            Bin::Hour
        } else if span.num_days() < MAX_BINS {
            Bin::Day
        } else if span.num_weeks() < MAX_BINS {
            Bin::Week
        } else if span.num_days() / 31 < MAX_BINS {
            Bin::Month
        } else {
            Bin::Year
        }
    }
}

/// A bin's start and its failures per series.
type Slot = (NaiveDateTime, BTreeMap<String, usize>);

/// Failures per bin and series, every bin from the first to the last
/// (empty bins included: they are the gaps).
fn binned(s: &Summary, series: &Series) -> Option<(Bin, Vec<Slot>)> {
    let parse = |h: &str| NaiveDateTime::parse_from_str(h.trim_end_matches('Z'), "%Y-%m-%dT%H:%M:%S").ok();
    let hours: Vec<(NaiveDateTime, &BTreeMap<String, usize>)> = s.per_hour.iter().filter_map(|(h, m)| parse(h).map(|t| (t, m))).collect();
    let (first, last) = (hours.first()?.0, hours.last()?.0);
    let bin = Bin::fitting(first, last);
    let mut bins: Vec<Slot> = Vec::new();
    let mut t = bin.floor(first);
    while t <= last {
        bins.push((t, BTreeMap::new()));
        t = bin.next(t);
    }
    for (at, m) in hours {
        let start = bin.floor(at);
        let i = bins.partition_point(|(b, _)| *b < start);
        if let Some((_, counts)) = bins.get_mut(i) {
            for (id, n) in m {
                *counts.entry(series.series_of(id).to_string()).or_default() += n;
            }
        }
    }
    Some((bin, bins))
}

/// Round numbers for the y axis: 0, step, 2×step… up to at least `max`.
fn ticks(max: usize) -> (usize, Vec<usize>) {
    let max = max.max(1);
    let mut step = 1usize;
    for m in std::iter::successors(Some(1usize), |m| m.checked_mul(10)) {
        if let Some(s) = [1, 2, 5].iter().map(|k| k * m).find(|s| max.div_ceil(*s) <= 5) {
            step = s;
            break;
        }
    }
    let top = max.div_ceil(step) * step;
    (top, (0..=top / step).map(|i| i * step).collect())
}

/// Chart 1, drawn twice (wide, and narrow for a phone).
fn time_chart(h: &mut String, s: &Summary, series: &Series) {
    let Some((bin, bins)) = binned(s, series) else { return };
    let _ = writeln!(h, "<h2>Failed attempts per {}, by diagnosis (UTC)</h2>", bin.noun());
    let _ = writeln!(h, "<div class=\"chart keep\">");
    for (class, w, fs, labels) in [("wide", 1000.0, 12.0, 8), ("narrow", 400.0, 11.0, 3)] {
        draw(h, &Drawing { class, w, font: fs, labels, bin }, &bins, series);
    }
    h.push_str("<div class=\"legend\">");
    for (id, c) in &series.shown {
        let _ = write!(h, "<span><i class=\"sw\" style=\"background:{c}\"></i>{}</span>", esc(id));
    }
    h.push_str("</div></div>\n");
}

struct Drawing {
    class: &'static str,
    w: f64,
    font: f64,
    /// About how many dates the x axis names.
    labels: usize,
    bin: Bin,
}

fn draw(h: &mut String, d: &Drawing, bins: &[Slot], series: &Series) {
    let (left, right, top, plot_h) = (d.font * 4.5, 12.0, 10.0, 220.0);
    let bottom = d.font * 3.0;
    let (w, total_h) = (d.w, top + plot_h + bottom);
    let max = bins.iter().map(|(_, m)| m.values().sum::<usize>()).max().unwrap_or(0);
    let (ymax, yticks) = ticks(max);
    let y = |v: usize| top + plot_h - v as f64 / ymax as f64 * plot_h;
    let slot = (w - left - right) / bins.len().max(1) as f64;
    let _ = writeln!(
        h,
        "<svg class=\"{}\" viewBox=\"0 0 {w} {total_h}\" role=\"img\" aria-label=\"failed attempts per {} by diagnosis, {} to {} UTC\" xmlns=\"http://www.w3.org/2000/svg\" font-size=\"{}\" font-family=\"system-ui,Helvetica,Arial,sans-serif\">",
        d.class,
        d.bin.noun(),
        bins.first().map(|b| d.bin.label(b.0)).unwrap_or_default(),
        bins.last().map(|b| d.bin.label(b.0)).unwrap_or_default(),
        d.font
    );
    for v in &yticks {
        let _ = writeln!(
            h,
            "<line x1=\"{left}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{v}</text>",
            w - right,
            if *v == 0 { "#777" } else { "#e3e3e3" },
            left - 5.0,
            y(*v) + d.font * 0.35,
            y = y(*v)
        );
    }
    let _ = writeln!(h, "<line x1=\"{left}\" x2=\"{left}\" y1=\"{top}\" y2=\"{:.1}\" stroke=\"#777\"/>", top + plot_h);
    let label_w = short_label(d.bin, bins[0].0).chars().count() as f64 * d.font * 0.62;
    let every = label_step(d.bin, bins.len(), slot, label_w, d.labels);
    for (i, (at, m)) in bins.iter().enumerate() {
        let x = left + i as f64 * slot;
        let mut level = 0usize;
        for (id, colour) in &series.shown {
            let Some(&n) = m.get(*id) else { continue };
            let (y1, y0) = (y(level + n), y(level));
            level += n;
            let _ = write!(
                h,
                "<rect x=\"{:.2}\" y=\"{y1:.2}\" width=\"{:.2}\" height=\"{:.2}\" fill=\"{colour}\"><title>{} UTC, {}: {n}</title></rect>",
                x + slot * 0.08,
                (slot * 0.84).max(0.6),
                (y0 - y1).max(0.5),
                esc(&d.bin.label(*at)),
                esc(id)
            );
        }
        let cx = x + slot / 2.0;
        if labelled(d.bin, *at, i, every) && cx - label_w / 2.0 >= 0.0 && cx + label_w / 2.0 <= w {
            let _ = write!(h, "<line x1=\"{cx:.1}\" x2=\"{cx:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#777\"/>", top + plot_h, top + plot_h + 4.0);
            let _ = write!(h, "<text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>", top + plot_h + d.font * 1.4, esc(&short_label(d.bin, *at)));
        }
        h.push('\n');
    }
    let _ = writeln!(h, "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#555\">time (UTC), one bar per {}</text></svg>", w - right, total_h - 2.0, d.bin.noun());
}

/// Label every this many bins: a step that keeps labels apart and, for
/// hours and days, falls on round boundaries (every 6 hours, at midnight,
/// every week...).
fn label_step(bin: Bin, bins: usize, slot: f64, label_w: f64, most: usize) -> usize {
    let needed = ((label_w * 1.25) / slot.max(0.01)).ceil().max((bins as f64 / most.max(1) as f64).ceil()) as usize;
    let nice: &[usize] = match bin {
        Bin::Hour => &[1, 2, 3, 6, 12, 24, 48, 72, 96, 168, 336],
        Bin::Day => &[1, 2, 7, 14, 28, 56, 91, 182, 364],
        Bin::Week => &[1, 2, 4, 8, 13, 26, 52, 104],
        Bin::Month => &[1, 2, 3, 6, 12, 24, 60, 120],
        Bin::Year => &[1, 2, 5, 10, 20, 50, 100],
    };
    nice.iter().copied().find(|k| *k >= needed).unwrap_or(needed.max(1))
}

/// Whether bin `i` (starting at `at`) carries a label: hours at multiples
/// of the step from midnight, months at multiples from January, others by
/// their place.
fn labelled(bin: Bin, at: NaiveDateTime, i: usize, every: usize) -> bool {
    match bin {
        Bin::Hour if every <= 24 => at.hour() as usize % every == 0,
        Bin::Hour => at.hour() == 0 && (at.date().num_days_from_ce() as usize % (every / 24).max(1)) == 0,
        Bin::Month => (at.month0() as usize) % every.min(12) == 0 && (every <= 12 || at.year().unsigned_abs() as usize % (every / 12) == 0),
        Bin::Year => i % every == 0,
        Bin::Day | Bin::Week => i % every == 0,
    }
}

/// An x-axis label: the date with its year (and the hour for hourly bins).
fn short_label(bin: Bin, t: NaiveDateTime) -> String {
    match bin {
        Bin::Hour => t.format("%Y-%m-%d %H:00").to_string(),
        Bin::Day | Bin::Week => t.format("%Y-%m-%d").to_string(),
        Bin::Month => t.format("%Y-%m").to_string(),
        Bin::Year => t.format("%Y").to_string(),
    }
}

/// `2026-11-20T09:14:05Z` as `2026-11-20 09:14:05`.
fn when(t: &str) -> String {
    t.replace('T', " ").trim_end_matches('Z').to_string()
}

fn diagnoses_table(h: &mut String, s: &Summary, series: &Series) {
    let mut ids: Vec<&String> = s.diagnoses.keys().collect();
    ids.sort_by(|a, b| s.diagnoses[*b].count.cmp(&s.diagnoses[*a].count).then(a.cmp(b)));
    let total: usize = s.diagnoses.values().map(|d| d.count).sum::<usize>().max(1);
    h.push_str(
        "<h2>Diagnoses</h2>\n<p>Confidence: <i>data</i> means the log settled the diagnosis; <i>provisional</i> means the walk passed a question by its \"don't know\" branch, and an agent must ask the caller before it counts.</p>\n\
         <div class=\"scroll\"><table><thead><tr><th>diagnosis</th><th>share of diagnosed attempts</th><th>attempts</th><th>confidence: data</th><th>confidence: provisional</th><th>severity</th><th>verify the caller first</th></tr></thead><tbody>\n",
    );
    for id in ids {
        let d = &s.diagnoses[id];
        let share = d.count as f64 / total as f64;
        let _ = writeln!(
            h,
            "<tr><td><i class=\"sw\" style=\"background:{}\"></i><b>{}</b><br>{}</td><td><span class=\"bar\" style=\"width:{:.1}em;background:{}\"></span> {:.1}%</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
            series.colour(id),
            esc(id),
            esc(&d.title),
            share * 8.0,
            series.colour(id),
            share * 100.0,
            d.count,
            d.count - d.provisional,
            d.provisional,
            d.severity,
            if d.changes_credentials { "yes" } else { "" }
        );
    }
    h.push_str("</tbody></table></div>\n");
}

fn users_table(h: &mut String, s: &Summary) {
    if s.top_users.is_empty() {
        return;
    }
    h.push_str("<h2>Users most affected</h2>\n<div class=\"scroll\"><table><thead><tr><th>user</th><th>failed attempts</th></tr></thead><tbody>\n");
    for (u, n) in &s.top_users {
        let _ = writeln!(h, "<tr><td>{}</td><td class=\"n\">{n}</td></tr>", esc(u));
    }
    h.push_str("</tbody></table></div>\n");
}

fn checks(h: &mut String, s: &Summary) {
    h.push_str("<h2>Rollout checks</h2>\n");
    for c in &s.rollout {
        let (cls, word) = match c.status {
            Status::Pass => ("pass", "PASS"),
            Status::Fail => ("fail", "FAIL"),
            Status::NotChecked => ("nc", "not checked"),
        };
        let _ = writeln!(h, "<h3><span class=\"{cls}\">{word}</span> {}</h3><p>{}</p>", esc(c.title), esc(&c.detail));
        if c.rows.is_empty() {
            continue;
        }
        h.push_str("<div class=\"scroll\"><table><thead><tr>");
        for col in &c.columns {
            let _ = write!(h, "<th>{}</th>", esc(col));
        }
        h.push_str("</tr></thead><tbody>\n");
        for r in c.rows.iter().take(100) {
            h.push_str("<tr>");
            for cell in r {
                let _ = write!(h, "<td>{}</td>", esc(cell));
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</tbody></table></div>\n");
        if c.rows.len() > 100 {
            let _ = writeln!(h, "<p>The first 100 of {} rows; triage's <code>--checks-out DIR</code> writes every one to {}.csv.</p>", c.rows.len(), esc(c.id));
        }
    }
}

fn bad_records(h: &mut String, s: &Summary) {
    if s.bad.is_empty() {
        return;
    }
    h.push_str("<h2>Bad records</h2>\n<div class=\"scroll\"><table><thead><tr><th>file</th><th>line</th><th>record</th><th>problem</th></tr></thead><tbody>\n");
    for b in s.bad.iter().take(100) {
        let _ = writeln!(h, "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>", esc(&b.file), b.line, b.record, esc(&b.message));
    }
    h.push_str("</tbody></table></div>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_reach_the_top() {
        assert_eq!(ticks(0), (1, vec![0, 1]));
        assert_eq!(ticks(7), (8, vec![0, 2, 4, 6, 8]));
        assert_eq!(ticks(23), (25, vec![0, 5, 10, 15, 20, 25]));
        assert_eq!(ticks(101), (150, vec![0, 50, 100, 150]));
        assert_eq!(ticks(4_000_000).1.len(), 5);
    }

    #[test]
    fn the_bin_widens_with_the_span() {
        let t = |s: &str| match NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M") {
            Ok(t) => t,
            Err(e) => panic!("{s}: {e}"),
        };
        assert_eq!(Bin::fitting(t("2026-11-20 00:00"), t("2026-11-22 09:00")), Bin::Hour);
        assert_eq!(Bin::fitting(t("2026-01-01 00:00"), t("2026-11-22 09:00")), Bin::Day);
        assert_eq!(Bin::fitting(t("2023-07-21 05:00"), t("2026-02-18 07:00")), Bin::Week);
        assert_eq!(Bin::fitting(t("2000-01-01 00:00"), t("2026-02-18 07:00")), Bin::Month);
        assert_eq!(Bin::fitting(t("1900-01-01 00:00"), t("2026-02-18 07:00")), Bin::Year, "past 400 months, years");
        assert_eq!(Bin::Week.floor(t("2026-11-22 09:00")), t("2026-11-16 00:00"), "weeks start on Monday");
        assert_eq!(Bin::Month.next(t("2026-01-01 00:00")), t("2026-02-01 00:00"));
        assert_eq!(Bin::Hour.floor(t("2026-11-22 09:59")), t("2026-11-22 09:00"));
    }

    fn summary(hours: &[(&str, &str, usize)]) -> Summary {
        let mut per_hour: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
        let mut diagnoses = BTreeMap::new();
        for (h, id, n) in hours {
            *per_hour.entry(h.to_string()).or_default().entry(id.to_string()).or_default() += n;
            let d = diagnoses.entry(id.to_string()).or_insert(crate::triage::DiagnosisCount {
                title: id.to_string(),
                severity: crate::Severity::Low,
                count: 0,
                provisional: 0,
                changes_credentials: false,
            });
            d.count += n;
        }
        Summary {
            records: 0,
            skipped: 0,
            attempts: 0,
            failed_attempts: 0,
            reported: 0,
            not_failures: 0,
            filter: String::new(),
            outside_window: 0,
            span: None,
            bad_records: 0,
            capped_attempts: 0,
            bad: Vec::new(),
            diagnoses,
            per_hour,
            per_day: BTreeMap::new(),
            top_users: Vec::new(),
            open_questions: BTreeMap::new(),
            rollout: Vec::new(),
        }
    }

    #[test]
    fn quiet_hours_are_gaps_and_the_ninth_diagnosis_is_other() {
        let s = summary(&[("2026-11-20T09:00:00Z", "a", 3), ("2026-11-20T19:00:00Z", "b", 2), ("2026-11-20T19:00:00Z", "a", 1)]);
        let series = Series::of(&s);
        let Some((bin, bins)) = binned(&s, &series) else { panic!("no bins") };
        assert_eq!(bin, Bin::Hour);
        assert_eq!(bins.len(), 11, "09:00 to 19:00, the quiet hours between included");
        assert!(bins[1..10].iter().all(|(_, m)| m.is_empty()));
        assert_eq!(bins[10].1.values().sum::<usize>(), 3);
        let many: Vec<(String, usize)> = (0..10).map(|i| (format!("d{i}"), 10 - i)).collect();
        let rows: Vec<(&str, &str, usize)> = many.iter().map(|(id, n)| ("2026-11-20T09:00:00Z", id.as_str(), *n)).collect();
        let s = summary(&rows);
        let series = Series::of(&s);
        assert_eq!(series.shown.len(), PALETTE.len() + 1);
        assert_eq!(series.series_of("d9"), OTHER_ID);
        assert_eq!(series.colour("d0"), PALETTE[0]);
        let Some((_, bins)) = binned(&s, &series) else { panic!("no bins") };
        assert_eq!(bins[0].1[OTHER_ID], 2 + 1, "the two smallest share the grey series");
    }
}

//! The terminal summary of a triage run, and the per-attempt text.

use super::report::Status;
use super::Summary;
use std::collections::BTreeMap;
use std::fmt::Write;

impl Summary {
    /// Attempts and failures in words: "19 attempts, 7 failed", and the
    /// attempts that ended at an expected step apart from the failures.
    pub fn headline(&self) -> String {
        if !self.filter.is_empty() {
            // Only the selected attempts were diagnosed: the others are not told apart.
            return format!("{} attempts, {} without a success", self.attempts, self.failed_attempts);
        }
        let mut o = format!("{} attempts, {} failed", self.attempts, self.failed_attempts - self.not_failures.min(self.failed_attempts));
        if self.not_failures > 0 {
            let _ = write!(o, "; {}", self.interrupted());
        }
        o
    }

    /// The attempts that ended at an expected step, in words.
    fn interrupted(&self) -> String {
        format!("{} more ended at an expected step (an interrupt such as \"Keep me signed in?\", or a background token refresh) with no later result in the log", self.not_failures)
    }

    /// The filter's selection in words ("" without a filter).
    pub fn selection(&self) -> String {
        if self.filter.is_empty() {
            return String::new();
        }
        let mut o = format!("Filter: {}: of the {} attempts without a success, {} selected", self.filter, self.failed_attempts, self.reported);
        let failed = self.reported - self.not_failures.min(self.reported);
        let _ = write!(o, ": {failed} failed");
        if self.not_failures > 0 {
            let _ = write!(o, "; {}", self.interrupted());
        }
        o
    }

    /// The summary as text for a terminal.
    pub fn text(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "Triage of {} sign-in records: {}", self.records, self.headline());
        if let Some((a, b)) = &self.span {
            let _ = writeln!(o, "The records run from {} to {} (UTC)", a.replace('T', " ").trim_end_matches('Z'), b.replace('T', " ").trim_end_matches('Z'));
        }
        if !self.filter.is_empty() {
            let _ = writeln!(o, "{}", self.selection());
            if self.outside_window > 0 {
                let _ = writeln!(o, "{} records outside the time window were passed over", self.outside_window);
            }
            o.push_str("(the rollout checks cover every user in the window; the history, the whole log)\n");
        }
        if self.bad_records > 0 {
            let _ = writeln!(o, "{} bad records were skipped:", self.bad_records);
            for b in self.bad.iter().take(10) {
                let _ = writeln!(o, "  {}:{}: record {}: {}", b.file, b.line, b.record, b.message);
            }
        }
        if self.skipped > 0 {
            let _ = writeln!(o, "{} Azure Monitor records of other categories were skipped", self.skipped);
        }
        if self.capped_attempts > 0 {
            let _ = writeln!(
                o,
                "{} attempts share a correlation id with more than {} records: each was diagnosed on its latest {} (`records_dropped` in the results says how many were left out)",
                self.capped_attempts,
                crate::Attempt::MAX_RECORDS,
                crate::Attempt::MAX_RECORDS
            );
        }
        let verify = |c: &super::DiagnosisCount| if c.changes_credentials { " [verify the caller first]" } else { "" };
        // Severity info is no failure the user saw: an expected interrupt, a
        // background refresh, a sign-in that went through.
        let not_failure = |c: &super::DiagnosisCount| c.severity == crate::rules::Severity::Info;
        for (heading, failures) in [("Failures settled by the data:", true), ("Not failures (expected interrupts, background refreshes, successes; severity info):", false)] {
            let mut d: Vec<(&String, &super::DiagnosisCount)> = self.diagnoses.iter().filter(|(_, c)| c.count > c.provisional && not_failure(c) != failures).collect();
            if d.is_empty() && !failures {
                continue;
            }
            let _ = writeln!(o, "\n{heading}");
            if d.is_empty() {
                o.push_str("  (none)\n");
            }
            d.sort_by(|a, b| (b.1.count - b.1.provisional).cmp(&(a.1.count - a.1.provisional)).then(a.0.cmp(b.0)));
            for (id, c) in d {
                let _ = writeln!(o, "  {:>8}  {:<34} {}{}", c.count - c.provisional, id, c.title, verify(c));
            }
        }
        let mut p: Vec<(&String, &super::DiagnosisCount)> = self.diagnoses.iter().filter(|(_, c)| c.provisional > 0).collect();
        if !p.is_empty() {
            o.push_str("\nProvisional until an agent asks (where the tree's \"don't know\" leads; confidence: provisional):\n");
            p.sort_by(|a, b| b.1.provisional.cmp(&a.1.provisional).then(a.0.cmp(b.0)));
            for (id, c) in p {
                let _ = writeln!(o, "  {:>8}  {:<34} {}{}", c.provisional, id, c.title, verify(c));
            }
        }
        self.trend(&mut o);
        if !self.top_users.is_empty() {
            o.push_str("\nUsers most affected:\n");
            for (u, n) in &self.top_users {
                let _ = writeln!(o, "  {n:>8}  {u}");
            }
        }
        if !self.open_questions.is_empty() {
            o.push_str("\nQuestions left for agents:\n");
            for (q, n) in &self.open_questions {
                let _ = writeln!(o, "  {n:>8}  {q}");
            }
        }
        o.push_str("\nRollout checks:\n");
        for c in &self.rollout {
            let s = match c.status {
                Status::Pass => "PASS",
                Status::Fail => "FAIL",
                Status::NotChecked => "----",
            };
            let _ = writeln!(o, "  [{s}] {}: {}", c.title, c.detail);
        }
        o
    }
}

impl Summary {
    /// Failed attempts per day, with the commonest diagnoses of each day,
    /// when the selected attempts span more than one day. Days without a
    /// failure between the first and the last are shown as 0.
    fn trend(&self, o: &mut String) {
        if self.per_day.len() < 2 {
            return;
        }
        o.push_str("\nFailed attempts per day (UTC), with each day's commonest diagnoses:\n");
        let mut days: Vec<String> = self.per_day.keys().cloned().collect();
        let parse = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
        if let (Some(first), Some(last)) = (days.first().and_then(|d| parse(d)), days.last().and_then(|d| parse(d))) {
            // Every day between, when that is a readable list (the gaps are
            // part of the trend); otherwise only the days with failures.
            if (last - first).num_days() <= 92 {
                days = first.iter_days().take_while(|d| *d <= last).map(|d| d.format("%Y-%m-%d").to_string()).collect();
            }
        }
        let empty = BTreeMap::new();
        for day in &days {
            let m = self.per_day.get(day).unwrap_or(&empty);
            let mut top: Vec<(&String, &usize)> = m.iter().collect();
            top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let named: Vec<String> = top.iter().take(3).map(|(id, n)| format!("{id} {n}")).collect();
            let _ = writeln!(o, "  {day}  {:>8}  {}", m.values().sum::<usize>(), named.join(", "));
        }
    }
}

/// One user's failed attempts in time order, with their diagnoses: the
/// drill-down `triage --user` prints.
pub fn attempts_text(results: &[super::AttemptResult]) -> String {
    let mut rows: Vec<&super::AttemptResult> = results.iter().collect();
    let key = |r: &super::AttemptResult| r.user.as_deref().unwrap_or("").to_lowercase();
    rows.sort_by_cached_key(|r| (key(r), r.time.clone(), r.record.clone()));
    let mut o = String::new();
    let mut user: Option<String> = None;
    for r in rows {
        if user.as_deref() != Some(key(r).as_str()) {
            let _ = writeln!(o, "\nFailed attempts of {}, in time order (UTC):", r.user.as_deref().unwrap_or("(no user named)"));
            user = Some(key(r));
        }
        let time = r.time.as_deref().map_or_else(|| "(no time)".to_string(), |t| t.replace('T', " ").trim_end_matches('Z').to_string());
        let code = r.error_code.map_or_else(|| "-".to_string(), |c| c.to_string());
        let how = if r.diagnosis.provisional { " (provisional)" } else { "" };
        let _ = writeln!(o, "  {time}  {code:>7}  {}  {}", r.app.as_deref().unwrap_or("(no app)"), r.client_app.as_deref().unwrap_or(""));
        let _ = writeln!(o, "      → {}{how}: {}", r.diagnosis.id, r.diagnosis.title);
        if let Some(q) = &r.needs_answer {
            let _ = writeln!(o, "      ask: {}", q.text);
        }
        let _ = writeln!(o, "      record {}", r.record);
    }
    o
}

//! The ticket note an agent leaves with: records, facts used with their
//! values, questions and answers, notes, the diagnosis and the steps; in
//! Markdown or plain text, optionally redacted (sign-in logs are personal data).

use crate::rules::Rules;
use crate::walk::{End, Outcome, Session, Step};
use regex::Regex;
use std::fmt::Write;
use std::sync::OnceLock;

/// The note's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketFormat {
    /// Markdown, for ticketing systems that render it.
    Markdown,
    /// Plain text.
    Text,
}

/// Write the ticket note for a session's outcome.
pub fn ticket(session: &Session, outcome: &Outcome, rules: &Rules, format: TicketFormat, redact: bool) -> String {
    let md = format == TicketFormat::Markdown;
    let h = |o: &mut String, title: &str| {
        if md {
            let _ = writeln!(o, "\n## {title}\n");
        } else {
            let _ = writeln!(o, "\n{title}\n{}", "-".repeat(title.chars().count()));
        }
    };
    // Log text (and the agent's notes) is redacted first, while it is still
    // itself, then made inert: a code span in Markdown, control characters
    // shown as escapes in both formats. A question filled in from the log is
    // prose with its Markdown escaped.
    let known: Vec<&str> = [session.subject.user_name.as_deref(), session.subject.user.as_deref()].into_iter().flatten().collect();
    let keep: Vec<&str> = session.subject.record_ids.iter().chain(&session.subject.correlation_id).map(String::as_str).collect();
    let clean = |s: &str| if redact { redact_text_keeping(s, &known, &keep) } else { s.to_string() };
    let code = |s: &str| if md { super::markdown_code(&clean(s)) } else { super::terminal_safe(&clean(s)).into_owned() };
    let prose = |s: &str| if md { super::markdown_text(&clean(s)) } else { super::terminal_safe(&clean(s)).into_owned() };
    let mut o = String::new();
    let title = match &outcome.end {
        End::Diagnosis(d) => d.title.clone(),
        End::NeedsAnswer(q) => format!("open question: {}", prose(&q.text)),
    };
    if md {
        let _ = writeln!(o, "# Sign-in troubleshooting: {title}\n");
    } else {
        let _ = writeln!(o, "Sign-in troubleshooting: {title}\n{}\n", "=".repeat(25 + title.chars().count()));
    }
    // The lines an agent pastes first, then the full note.
    for line in super::summary::paste_lines(session, outcome, &prose, &code) {
        let _ = writeln!(o, "{}{line}", if md { "- " } else { "" });
    }
    h(&mut o, "Details");
    let s = &session.subject;
    let item = |o: &mut String, k: &str, v: &str| {
        if md {
            let _ = writeln!(o, "- **{k}:** {v}");
        } else {
            let _ = writeln!(o, "{k}: {v}");
        }
    };
    subject_items(&mut o, s, &item, &code);
    item(&mut o, "Rules", &code(rules.fingerprint()));

    if let End::Diagnosis(d) = &outcome.end {
        h(&mut o, "Diagnosis");
        let _ = writeln!(o, "{} ({}, severity {})\n\n{}", if md { format!("**{}**", d.title) } else { d.title.clone() }, code(&d.id), d.severity, d.summary.trim());
    }
    item(&mut o, "Confidence", &format!("{} ({})", outcome.confidence, super::how_sure(outcome, !session.subject.records.is_empty())));

    // Without a log, the only facts are those the caller gave (an error
    // code read out); a table of unknowns would say nothing.
    let no_log = s.records.is_empty();
    let facts: Vec<_> = facts_used(outcome).into_iter().filter(|(_, v, _)| !no_log || v != "unknown").collect();
    if !facts.is_empty() {
        h(&mut o, if no_log { "Facts from the caller" } else { "Facts from the logs" });
        facts_table(&mut o, &facts, md, &code);
    }

    h(&mut o, "Questions and answers");
    let qa: Vec<&Step> = outcome.trace.iter().filter(|s| matches!(s, Step::Question { .. })).collect();
    if qa.is_empty() {
        let _ = writeln!(o, "None: the data answered everything.");
    }
    for (i, s) in qa.iter().enumerate() {
        if let Step::Question { text, answer, .. } = s {
            let _ = writeln!(o, "{}. {} {}", i + 1, prose(text), if md { format!("**{answer}**") } else { format!("-> {answer}") });
        }
    }
    if let End::NeedsAnswer(q) = &outcome.end {
        let _ = writeln!(o, "{}. {} (not answered yet)", qa.len() + 1, prose(&q.text));
    }

    if !session.notes.is_empty() {
        h(&mut o, "Agent notes");
        for n in &session.notes {
            let _ = writeln!(o, "- {} (at {})", code(&n.text), code(&n.at));
        }
    }

    h(&mut o, "How we got here");
    // The trace quotes log values: verbatim in a code block in Markdown.
    // Without a log, the checks the data could not tell are left out.
    let trace: Vec<Step> = outcome.trace.iter().filter(|s| !no_log || !unknown_step(s)).cloned().collect();
    let lines: Vec<String> = super::trace_lines(&trace).iter().map(|l| clean(l)).collect();
    if md {
        o.push_str(&super::markdown_block(&lines));
    } else {
        for line in lines {
            let _ = writeln!(o, "{}", super::terminal_safe(&line));
        }
    }

    if let End::Diagnosis(d) = &outcome.end {
        steps_and_references(&mut o, d, &h);
    }
    if redact {
        // A second pass over the whole note, for anything said twice.
        redact_text_keeping(&o, &known, &keep)
    } else {
        o
    }
}

/// The diagnosis's numbered next steps and its references (rule text).
fn steps_and_references(o: &mut String, d: &crate::rules::Diagnosis, h: &dyn Fn(&mut String, &str)) {
    h(o, &super::steps_heading(d));
    for (i, step) in d.next_steps.iter().enumerate() {
        let _ = writeln!(o, "{}. {step}", i + 1);
    }
    if !d.references.is_empty() {
        h(o, "References");
        for r in &d.references {
            let _ = writeln!(o, "- {r}");
        }
    }
}

/// The facts as a Markdown table, or as lines of text.
fn facts_table(o: &mut String, facts: &[(String, String, String)], md: bool, code: &dyn Fn(&str) -> String) {
    if md {
        let _ = writeln!(o, "| fact | value | source |\n|---|---|---|");
        for (n, v, src) in facts {
            let _ = writeln!(o, "| {} | {} | {} |", code(n), code(v), code(src));
        }
    } else {
        for (n, v, src) in facts {
            let _ = writeln!(o, "{n} = {}  ({})", code(v), code(src));
        }
    }
}

/// A check or switch the data could not tell.
fn unknown_step(s: &Step) -> bool {
    matches!(s, Step::Check { result: crate::walk::Tri::Unknown, .. }) || matches!(s, Step::Switch { case, .. } if case == "unknown")
}

/// Who, when, what and which records, as the note's header items.
fn subject_items(o: &mut String, s: &crate::facts::Subject, item: &dyn Fn(&mut String, &str, &str), code: &dyn Fn(&str) -> String) {
    if s.records.is_empty() {
        item(o, "Sign-in log", "none (the walk went by the caller's answers)");
        if let Some(u) = &s.user {
            item(o, "User (as the caller gave it)", &code(u));
        }
        if let Some(c) = s.error_code {
            item(o, "Error code (read out by the caller)", &c.to_string());
        }
        if let Some(c) = &s.correlation_id {
            item(o, "Correlation id (read out by the caller)", &code(c));
        }
    } else {
        item(o, "User", &s.user.as_deref().map_or_else(|| "(not in the log)".into(), code));
        if let Some(n) = &s.user_name {
            item(o, "Name", &code(n));
        }
        if let Some(t) = &s.time {
            item(o, "Time (UTC)", &code(t));
        }
        if let Some(a) = &s.app {
            item(o, "Application", &code(a));
        }
        if let Some(c) = s.error_code {
            item(o, "Error code", &c.to_string());
        }
        if let Some(ip) = &s.ip_address {
            item(o, "IP address", &code(ip));
        }
        let ids: Vec<String> = s.record_ids.iter().map(|r| code(r)).collect();
        item(o, "Sign-in record ids", &ids.join(", "));
        if let Some(c) = &s.correlation_id {
            item(o, "Correlation id", &code(c));
        }
    }
}

/// The facts the walk used and the diagnosis's evidence, each once, in the
/// order met: (name, value, source).
fn facts_used(outcome: &Outcome) -> Vec<(String, String, String)> {
    let mut facts: Vec<(String, String, String)> = Vec::new();
    for step in &outcome.trace {
        if let Step::Check { facts: uses, .. } | Step::Switch { facts: uses, .. } = step {
            for u in uses {
                if !facts.iter().any(|(n, _, _)| *n == u.name) {
                    let v = u.value.as_ref().map_or("unknown".to_string(), ToString::to_string);
                    let src = match &u.value {
                        Some(_) => u.source.to_string(),
                        None => u.source.note.as_deref().unwrap_or_default().to_string(),
                    };
                    facts.push((u.name.clone(), v, src));
                }
            }
        }
    }
    for e in &outcome.evidence {
        if !facts.iter().any(|(n, _, _)| *n == e.name) {
            facts.push((e.name.clone(), e.value.as_ref().map_or("unknown".to_string(), ToString::to_string), e.source.to_string()));
        }
    }
    facts
}

/// The redaction patterns, compiled once.
struct Patterns {
    email: Regex,
    ipv4: Regex,
    ipv6: Regex,
    phone: Regex,
    guid: Regex,
    device: Regex,
}

/// The patterns are constants and a test compiles them; were one ever not to
/// compile, `None`, and redaction fails closed rather than panic or leak.
fn patterns() -> Option<&'static Patterns> {
    static P: OnceLock<Option<Patterns>> = OnceLock::new();
    P.get_or_init(|| {
        Some(Patterns {
            // Local parts as Entra writes them: letters of any script, guests'
            // `name_domain#EXT#`, apostrophes; or a quoted local part.
            email: Regex::new(r#"(?i)(?:\b([\p{L}\p{N}._%+#'-])[\p{L}\p{N}._%+#'-]*|"[^"@]+")@([\p{L}\p{N}.-]+\.[\p{L}]{2,})\b"#).ok()?,
            ipv4: Regex::new(r"\b(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}\b").ok()?,
            // Candidates only: a run of hex digits and colons with two colons or
            // more; what parses as an IPv6 address is masked (so "09:14:05" is not).
            ipv6: Regex::new(r"(?i)[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}").ok()?,
            // International numbers as Entra writes them ("+1 4255550100", "+44 7700 900123").
            phone: Regex::new(r"\+\d[\d ().-]{5,}\d").ok()?,
            // Object ids of users, devices, tenants and audit targets.
            guid: Regex::new(r"(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b").ok()?,
            // Device names as Windows and phones make them up by default.
            // The owner (group 1) may be two words or hyphenated ("Anne-Marie's iPhone", "Mary Ann's iPad");
            // localized defaults put the name after ("iPhone von Alex", "iPhone de Alex").
            device: Regex::new(
                r"(?i)\b(?:DESKTOP|LAPTOP|WIN|PC|CPC)-[A-Z0-9]{4,15}\b|\b((?-i:(?:\p{Lu}[\p{L}-]* )?[\p{L}-]+))[’']s (?:iPhone|iPad|iMac|Mac mini|MacBook(?: (?:Air|Pro))?|Galaxy [\p{L}\p{N}]+|Pixel(?: \d+)?)\b|\b(?:iPhone|iPad|iMac|MacBook(?: (?:Air|Pro))?) (?:von|de|di|van|av) [\p{L}-]+(?: [\p{L}-]+)?\b",
            )
            .ok()?,
        })
    })
    .as_ref()
}

/// What a redacted text becomes if the patterns could not be compiled.
const REDACTION_FAILED: &str = "[redacted in full: the redaction patterns could not be compiled]";

/// Replace every whole-word, case-insensitive occurrence of `what`.
fn replace_words(text: &str, what: &str, with: &str) -> String {
    match Regex::new(&format!(r"(?i)\b{}\b", regex::escape(what))) {
        Ok(re) => re.replace_all(text, regex::NoExpand(with)).into_owned(),
        // A name too long to compile as a pattern: replaced as it is written.
        Err(_) => text.replace(what, with),
    }
}

/// Mask personal data in a text: user principal names and e-mail addresses
/// (`a***@contoso.com`, guests' `#EXT#` names and quoted local parts too),
/// the given names (a display name in any case or order, each of its parts,
/// becomes `[name]`; a UPN's local part alone becomes `[user]`), phone
/// numbers (`[phone]`), IPv4 addresses (the last two octets) and IPv6
/// addresses in any form (all but the first two groups).
///
/// ```
/// use signin_doctor::output::redact_text;
/// let t = redact_text("alex.wilber@contoso.com (Alex Wilber) from 203.0.113.24", &["Alex Wilber"]);
/// assert_eq!(t, "a***@contoso.com ([name]) from 203.0.x.x");
/// let t = redact_text("Wilber, Alex; alex wilber; +44 7700 900123; fe80::1; 09:14:05", &["Alex Wilber"]);
/// assert_eq!(t, "[name], [name]; [name]; [phone]; fe80::x:x; 09:14:05");
/// ```
pub fn redact_text(text: &str, names: &[&str]) -> String {
    redact_text_keeping(text, names, &[])
}

/// [`redact_text`], and object ids (GUIDs) masked as `[id]` except the ones
/// in `keep` (the sign-in's own record and correlation ids, which find the
/// log and name no one), and device names as Windows and phones make them
/// up (`DESKTOP-4F2K9QX`, `Alex's iPhone`) masked as `[device]`.
///
/// ```
/// use signin_doctor::output::redact_text_keeping;
/// let t = redact_text_keeping(
///     "user 4b0d3c1e-58a5-4c2c-9f3e-7a1d2b3c4d5e on DESKTOP-4F2K9QX, record 9ebc0050-a05f-9bad-0265-81b3865cb5f7",
///     &[],
///     &["9ebc0050-a05f-9bad-0265-81b3865cb5f7"],
/// );
/// assert_eq!(t, "user [id] on [device], record 9ebc0050-a05f-9bad-0265-81b3865cb5f7");
/// ```
pub fn redact_text_keeping(text: &str, names: &[&str], keep: &[&str]) -> String {
    let Some(p) = patterns() else { return REDACTION_FAILED.to_string() };
    // A GUID inside a link (a Microsoft Learn page's address) names no one.
    let in_link = |start: usize| text[..start].rsplit(char::is_whitespace).next().is_some_and(|word| word.contains("://"));
    let text = p.guid.replace_all(text, |c: &regex::Captures<'_>| {
        let keep_it = keep.iter().any(|k| k.eq_ignore_ascii_case(&c[0])) || c.get(0).is_some_and(|m| in_link(m.start()));
        if keep_it {
            c[0].to_string()
        } else {
            "[id]".to_string()
        }
    });
    // "the user's iPhone" names no one; "Alex's iPhone" does.
    let text = p.device.replace_all(&text, |c: &regex::Captures<'_>| {
        let owner = c.get(1).map_or("", |m| m.as_str()).to_lowercase();
        if ["user", "caller", "customer", "agent", "their", "his", "her", "my", "your", "the"].iter().any(|w| owner.ends_with(w)) {
            c[0].to_string()
        } else {
            "[device]".to_string()
        }
    });
    let text: &str = &text;
    let mut t = p.email.replace_all(text, |c: &regex::Captures<'_>| format!("{}***@{}", c.get(1).map_or("", |m| m.as_str()), &c[2])).into_owned();
    for n in names.iter().map(|n| n.trim()).filter(|n| n.len() > 2) {
        if let Some((local, _)) = n.split_once('@') {
            if local.len() > 2 {
                t = replace_words(&t, local, "[user]");
            }
            continue;
        }
        t = replace_words(&t, n, "[name]");
        for part in n.split(|c: char| c.is_whitespace() || c == ',').filter(|p| p.chars().count() > 2) {
            t = replace_words(&t, part, "[name]");
        }
    }
    t = p.phone.replace_all(&t, "[phone]").into_owned();
    t = p.ipv4.replace_all(&t, "$1.$2.x.x").into_owned();
    p.ipv6
        .replace_all(&t, |c: &regex::Captures<'_>| {
            let s = &c[0];
            match s.parse::<std::net::Ipv6Addr>() {
                Ok(ip) => {
                    let g = ip.segments();
                    format!("{:x}:{:x}::x:x", g[0], g[1]).replace(":0::x:x", "::x:x")
                }
                Err(_) => s.to_string(),
            }
        })
        .into_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn device_names_are_masked_with_their_owners_but_not_a_generic_phone() {
        let t = super::redact_text("with Anne-Marie's iPhone, Mary Ann's iPad, iPhone von Alex Wilber; the user's iPhone was reset; DESKTOP-4F2K9QX", &[]);
        assert_eq!(t, "with [device], [device], [device]; the user's iPhone was reset; [device]");
        let t = super::redact_text_keeping("see https://learn.microsoft.com/troubleshoot/4b0d3c1e-58a5-4c2c-9f3e-7a1d2b3c4d5e and 4b0d3c1e-58a5-4c2c-9f3e-7a1d2b3c4d5e", &[], &[]);
        assert_eq!(t, "see https://learn.microsoft.com/troubleshoot/4b0d3c1e-58a5-4c2c-9f3e-7a1d2b3c4d5e and [id]", "a link keeps its id");
    }

    #[test]
    fn the_redaction_patterns_compile() {
        assert!(super::patterns().is_some(), "redaction would fail closed on every text");
    }
}

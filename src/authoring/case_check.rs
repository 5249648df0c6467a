//! `check --cases`: case files read against the rules, so that a renamed
//! question, choice or diagnosis is found where the case names it, with a
//! "did you mean", not when the case fails with a confusing answer error.

use super::Case;
use crate::error::Result;
use crate::rules::{did_you_mean, Node, Rules, DONT_KNOW};
use crate::text::{RuleErrors, SourceFile};
use std::path::PathBuf;

/// Check each case file: that it reads; that every answer names a question
/// the rules have and one of its choices; that the expected diagnosis or
/// question, and every node of an expected path, exist. Every problem comes
/// back at its file, line and column, in the rule errors' form.
///
/// ```
/// use signin_doctor::{authoring, Rules};
/// let rules = Rules::embedded()?;
/// let dir = std::env::temp_dir().join(format!("case-check-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let case = dir.join("c.ron");
/// std::fs::write(&case, "Case(answers: {\"symptom\": \"expird\"}, expect: (diagnosis: \"password-expired\"))")?;
/// let errs = authoring::check_cases(&rules, &[case])?;
/// let e = errs.iter().next().ok_or("no error was reported")?;
/// assert_eq!((e.code, e.line), ("unknown-choice", 1));
/// assert!(e.hint.as_deref().is_some_and(|h| h.contains("expired")));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn check_cases(rules: &Rules, files: &[PathBuf]) -> Result<RuleErrors> {
    let mut sources = Vec::new();
    for f in files {
        sources.push(SourceFile::new(f.display().to_string(), crate::limit::read_text_file(f)?));
    }
    let mut errs = RuleErrors::new(sources);
    let questions = || rules.nodes().filter(|n| n.kind() == "question").map(Node::id);
    for (i, f) in files.iter().enumerate() {
        let (text, len) = (errs.files()[i].text.clone(), errs.files()[i].text.len());
        // Each value is looked for inside the field that holds it, after its key.
        let field = |errs: &RuleErrors, within: std::ops::Range<usize>, key: &str| errs.files()[i].field(within, key).map_or(0..len, |(_, v)| v);
        let at = |errs: &RuleErrors, within: std::ops::Range<usize>, value: &str| errs.files()[i].find(within, None, Some(value)).unwrap_or(0..1);
        let answers = field(&errs, 0..len, "answers");
        let expect = field(&errs, 0..len, "expect");
        let case = match Case::from_str(f, &text) {
            Ok(c) => c,
            Err(e) => {
                let start = errs.files()[i].offset(e.line().unwrap_or(1), e.column().unwrap_or(1));
                errs.push("syntax", i, start..start + 1, None, e.message().to_string(), e.hint_text().map(String::from));
                continue;
            }
        };
        for (q, c) in &case.answers {
            let Some(question) = rules.question(q) else {
                let hint = did_you_mean(q, questions()).map(|m| format!("did you mean `{m}`?"));
                errs.push("unknown-question", i, at(&errs, answers.clone(), q), None, format!("the case answers `{q}`, which is no question of the rules"), hint);
                continue;
            };
            if c != DONT_KNOW && !question.choices.iter().any(|ch| &ch.id == c) {
                let hint = did_you_mean(c, question.choices.iter().map(|ch| ch.id.as_str())).map(|m| format!("did you mean `{m}`?")).or_else(|| {
                    let ids: Vec<&str> = question.choices.iter().map(|ch| ch.id.as_str()).collect();
                    Some(format!("the choices are {}, or {DONT_KNOW}", ids.join(", ")))
                });
                let after_key = at(&errs, answers.clone(), q).end.max(answers.start)..answers.end;
                errs.push("unknown-choice", i, at(&errs, after_key, c), Some(q), format!("question `{q}` has no choice `{c}`"), hint);
            }
        }
        if let Some(d) = &case.expect.diagnosis {
            if rules.diagnosis(d).is_none() {
                let hint = did_you_mean(d, rules.nodes().filter(|n| n.kind() == "diagnosis").map(Node::id)).map(|m| format!("did you mean `{m}`?"));
                errs.push("unknown-diagnosis", i, at(&errs, expect.clone(), d), None, format!("the case expects diagnosis `{d}`, which the rules do not have"), hint);
            }
        }
        if let Some(q) = &case.expect.question {
            if rules.question(q).is_none() {
                let hint = did_you_mean(q, questions()).map(|m| format!("did you mean `{m}`?"));
                errs.push("unknown-question", i, at(&errs, expect.clone(), q), None, format!("the case expects question `{q}`, which the rules do not have"), hint);
            }
        }
        let path = field(&errs, expect.clone(), "path");
        for n in case.expect.path.iter().flatten() {
            if rules.node(n).is_none() {
                let hint = did_you_mean(n, rules.nodes().map(Node::id)).map(|m| format!("did you mean `{m}`?"));
                errs.push("missing-node", i, at(&errs, path.clone(), n), None, format!("the expected path names `{n}`, which is no node"), hint);
            }
        }
    }
    errs.sort();
    Ok(errs)
}

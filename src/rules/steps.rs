//! The safety and wording checks on diagnoses' next steps, and their
//! preparation for the walk: `{nav.KEY}` paths filled from the rules'
//! `paths`, and the shared `verify_caller` steps put first wherever a
//! diagnosis changes a credential.

use super::model::{Node, TreeFile};
use super::Entry;
use crate::text::{RuleErrors, SourceFile};
use std::collections::BTreeMap;

/// Phrases that mark a step as changing a credential, a method, a block or a
/// risk state (compared without regard to case). A diagnosis whose steps use
/// one must declare `changes_credentials: true`.
const CHANGING: &[&str] = &[
    "reset password",
    "reset the password",
    "reset the user's password",
    "reset their password",
    "reset it for them",
    "temporary access pass",
    "re-register",
    "reregister",
    "unblock",
    "dismiss",
    "confirm user compromised",
    "confirm compromised",
    "delete the old",
    "delete any method",
    "delete the method",
    "change the phone number",
    "correct the phone number",
    "re-enable",
    "account enabled",
];

/// The changing phrase a step uses, if any.
pub(crate) fn changing_phrase(step: &str) -> Option<&'static str> {
    let l = step.to_lowercase();
    CHANGING.iter().copied().find(|p| l.contains(p))
}

/// The `{nav.KEY}` keys a text names.
fn nav_keys(text: &str) -> impl Iterator<Item = &str> {
    super::validate::placeholders(text).filter_map(|p| p.strip_prefix("nav."))
}

/// Fill `{nav.KEY}` placeholders; unknown keys are left as they are (the
/// checks have reported them).
pub(crate) fn fill_paths(text: &str, paths: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("{nav.") {
        out.push_str(&rest[..i]);
        match rest[i..].find('}') {
            Some(j) => {
                let key = rest[i + 5..i + j].trim();
                match paths.get(key) {
                    Some(p) => out.push_str(p),
                    None => out.push_str(&rest[i..=i + j]),
                }
                rest = &rest[i + j + 1..];
            }
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The paths and verification steps of all files, with duplicates reported.
pub(super) fn collect(parsed: &[(usize, TreeFile)], files: &[SourceFile], errs: &mut RuleErrors) -> (BTreeMap<String, String>, Vec<String>) {
    let mut paths: BTreeMap<String, String> = BTreeMap::new();
    let mut verify: Option<(usize, Vec<String>)> = None;
    for (file, t) in parsed {
        for (k, v) in &t.paths {
            if paths.insert(k.clone(), v.clone()).is_some() {
                let at = files[*file].find(0..files[*file].text.len(), None, Some(k)).unwrap_or(0..1);
                errs.push("duplicate-id", *file, at, None, format!("the path `{k}` is defined in more than one place"), Some("keep each admin-center path once".into()));
            }
        }
        if !t.verify_caller.is_empty() {
            if let Some((prev, _)) = &verify {
                let at = files[*file].top_level("verify_caller").unwrap_or(0..1);
                errs.push("duplicate-id", *file, at, None, format!("`verify_caller` is also defined in {}", files[*prev].name), Some("one file holds the shared verification steps".into()));
            } else {
                verify = Some((*file, t.verify_caller.clone()));
            }
        }
    }
    (paths, verify.map(|(_, v)| v).unwrap_or_default())
}

/// Check every diagnosis's steps: `{nav.KEY}` names a path; a step that
/// changes a credential sits in a diagnosis that says so; a diagnosis that
/// says so has verification steps to begin with.
pub(super) fn check(entries: &[Entry], files: &[SourceFile], paths: &BTreeMap<String, String>, verify: &[String], errs: &mut RuleErrors) {
    for e in entries {
        let Node::Diagnosis(d) = &e.node else { continue };
        let f = &files[e.file];
        let span = f.node_span(e.pos).unwrap_or(0..1);
        let id_at = f.node_id_span(e.pos).unwrap_or(0..1);
        let texts = d.next_steps.iter().chain([&d.summary]);
        for text in texts {
            for key in nav_keys(text) {
                if !paths.contains_key(key) {
                    let at = f.find(span.clone(), None, Some(text)).unwrap_or(id_at.clone());
                    let hint = match super::validate::did_you_mean(key, paths.keys().map(String::as_str)) {
                        Some(m) => format!("did you mean `{{nav.{m}}}`?"),
                        None => "define it under `paths: { ... }` (rules/90-diagnoses.ron holds them)".into(),
                    };
                    errs.push("unknown-path", e.file, at, Some(&d.id), format!("the step names `{{nav.{key}}}`, which no rule file defines"), Some(hint));
                }
            }
        }
        if !d.changes_credentials {
            if let Some((step, phrase)) = d.next_steps.iter().find_map(|s| changing_phrase(s).map(|p| (s, p))) {
                let at = f.find(span.clone(), None, Some(step)).unwrap_or(id_at.clone());
                errs.push(
                    "unverified-change",
                    e.file,
                    at,
                    Some(&d.id),
                    format!("this step changes a credential, a method, a block or a risk state (\"{phrase}\"), but the diagnosis does not declare it"),
                    Some("add `changes_credentials: true`: the caller's identity is then verified out of band before any step".into()),
                );
            }
        } else if verify.is_empty() {
            let at = f.find_key(span.clone(), "changes_credentials").unwrap_or(id_at.clone());
            errs.push(
                "no-verification",
                e.file,
                at,
                Some(&d.id),
                "the diagnosis changes credentials, but no rule file defines `verify_caller` steps".into(),
                Some("define `verify_caller: [\"...\"]` once, in the tree file that holds the diagnoses".into()),
            );
        }
    }
}

/// The diagnoses as walks show them: paths filled, and the verification
/// steps first where credentials change.
pub(super) fn prepare(entries: &mut [Entry], paths: &BTreeMap<String, String>, verify: &[String]) {
    for e in entries {
        let Node::Diagnosis(d) = &mut e.node else { continue };
        let mut steps: Vec<String> = if d.changes_credentials { verify.iter().map(|s| fill_paths(s, paths)).collect() } else { Vec::new() };
        d.verify_steps = steps.len();
        steps.extend(d.next_steps.iter().map(|s| fill_paths(s, paths)));
        d.next_steps = steps;
        d.summary = fill_paths(&d.summary, paths);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_fill_and_unknown_keys_stay_visible() {
        let mut p = BTreeMap::new();
        p.insert("users".to_string(), "Entra ID → Users".to_string());
        assert_eq!(fill_paths("Go to {nav.users} → the user.", &p), "Go to Entra ID → Users → the user.");
        assert_eq!(fill_paths("{nav.nope} and {signin.app}", &p), "{nav.nope} and {signin.app}");
        assert_eq!(fill_paths("broken {nav.users", &p), "broken {nav.users");
    }

    #[test]
    fn credential_changing_phrases_are_found_whatever_the_case() {
        assert_eq!(changing_phrase("Issue a Temporary Access Pass"), Some("temporary access pass"));
        assert_eq!(changing_phrase("Unblock the user"), Some("unblock"));
        assert_eq!(changing_phrase("Ask the user to sign in again."), None);
    }
}

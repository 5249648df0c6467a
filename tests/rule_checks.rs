//! One test per load-time check: each reports its code, file, line, column
//! and node, and all errors come at once.

use signin_doctor::{ErrorKind, Rules};

const DIAG: &str = r#"Tree(id: "d", title: "D", nodes: [
    Diagnosis(id: "done", title: "Done", severity: Low, summary: "S.", next_steps: ["Do it."]),
])
"#;

/// (code, file, line, column, node, hint)
type Found = (String, String, usize, usize, Option<String>, Option<String>);

fn errors(files: &[(&str, &str)]) -> Vec<Found> {
    let sources = files.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
    let e = Rules::from_sources(sources).expect_err("these rules are invalid");
    assert_eq!(e.kind(), ErrorKind::InvalidRules);
    e.rule_errors().unwrap().iter().map(|r| (r.code.to_string(), r.file.clone(), r.line, r.column, r.node.clone(), r.hint.clone())).collect()
}

fn one(tree: &str) -> (String, usize, usize, Option<String>, Option<String>) {
    let errs = errors(&[("t.ron", tree), ("d.ron", DIAG)]);
    assert_eq!(errs.len(), 1, "{errs:?}");
    let (code, file, l, c, node, hint) = errs.into_iter().next().unwrap();
    assert_eq!(file, "t.ron");
    (code, l, c, node, hint)
}

fn tree(nodes: &str) -> String {
    format!("Tree(\n    id: \"t\",\n    title: \"T\",\n    entry: true,\n    start: \"a\",\n    nodes: [\n{nodes}\n    ],\n)\n")
}

#[test]
fn ron_syntax_error() {
    let (code, l, c, node, _) = one("Tree(\n    id: \"t\",\n    title: \"T\"\n    entry: true,\n)\n");
    assert_eq!((code.as_str(), l, node), ("syntax", 4, None));
    assert!(c >= 5);
}

#[test]
fn unknown_fact_with_did_you_mean() {
    let t = tree("        Check(id: \"a\", label: \"A?\", when: Eq(\"signin.eror_code\", 500121), yes: \"done\", no: \"done\", unknown: \"done\"),");
    let (code, l, c, node, hint) = one(&t);
    assert_eq!((code.as_str(), l, c, node.as_deref()), ("unknown-fact", 7, 46, Some("a")));
    assert!(hint.unwrap().contains("did you mean `signin.error_code`?"));
}

#[test]
fn type_mismatches() {
    for (when, what) in [
        ("Eq(\"signin.error_code\", \"500121\")", "compared with a text"),
        ("Gt(\"signin.client_app\", 3)", "compared as a number"),
        ("Eq(\"signin.error_codes\", \"50074\")", "compared with a single value"),
        ("Contains(\"user.is_break_glass\", \"x\")", "Contains needs"),
        ("In(\"signin.country\", [\"GB\", 44])", "the list holds a number"),
    ] {
        let t = tree(&format!("        Check(id: \"a\", label: \"A?\", when: {when}, yes: \"done\", no: \"done\", unknown: \"done\"),"));
        let errs = errors(&[("t.ron", &t), ("d.ron", DIAG)]);
        assert_eq!(errs.len(), 1, "{when}: {errs:?}");
        assert_eq!(errs[0].0, "type-mismatch", "{when}");
        assert_eq!(errs[0].2, 7);
        let sources = vec![("t.ron".to_string(), t.clone()), ("d.ron".to_string(), DIAG.to_string())];
        let msg = Rules::from_sources(sources).unwrap_err().rule_errors().unwrap().iter().next().unwrap().message.clone();
        assert!(msg.contains(what), "{when}: {msg}");
    }
}

#[test]
fn missing_node_reference_with_did_you_mean() {
    let t = tree("        Check(id: \"a\", label: \"A?\", when: Eq(\"signin.error_code\", 1), yes: \"done\", no: \"dnoe\", unknown: \"done\"),");
    let (code, l, c, node, hint) = one(&t);
    assert_eq!((code.as_str(), l, c, node.as_deref()), ("missing-node", 7, 88, Some("a")));
    assert!(hint.unwrap().contains("did you mean `done`?"));
}

#[test]
fn duplicate_ids_across_files() {
    let t = tree("        Check(id: \"a\", label: \"A?\", when: Eq(\"signin.error_code\", 1), yes: \"done\", no: \"done\", unknown: \"done\"),\n        Diagnosis(id: \"done\", title: \"Again\", severity: Low, summary: \"S.\", next_steps: [\"x\"]),");
    // Files load in order: the second definition (in d.ron) is the duplicate.
    let errs = errors(&[("t.ron", &t), ("d.ron", DIAG)]);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!((errs[0].0.as_str(), errs[0].1.as_str(), errs[0].2, errs[0].4.as_deref()), ("duplicate-id", "d.ron", 2, Some("done")));
    assert!(errs[0].5.as_deref().unwrap().contains("global across all rule files"));
}

#[test]
fn cycles_are_found_with_petgraph() {
    let t = tree(
        "        Check(id: \"a\", label: \"A?\", when: Eq(\"signin.error_code\", 1), yes: \"done\", no: \"b\", unknown: \"done\"),\n        Check(id: \"b\", label: \"B?\", when: Eq(\"signin.error_code\", 2), yes: \"a\", no: \"done\", unknown: \"done\"),",
    );
    let (code, l, _, node, _) = one(&t);
    assert_eq!((code.as_str(), l, node.as_deref()), ("cycle", 7, Some("a")));
}

#[test]
fn unreachable_nodes() {
    let t = tree(
        "        Check(id: \"a\", label: \"A?\", when: Eq(\"signin.error_code\", 1), yes: \"done\", no: \"done\", unknown: \"done\"),\n        Question(id: \"orphan\", text: \"?\", choices: [(id: \"y\", label: \"Y\", next: \"done\")], dont_know: \"done\"),",
    );
    let (code, l, _, node, _) = one(&t);
    assert_eq!((code.as_str(), l, node.as_deref()), ("unreachable", 8, Some("orphan")));
}

#[test]
fn paths_that_can_end_without_a_diagnosis() {
    // A check without its `unknown` branch, a choice without `next`, a question without `dont_know`.
    let t =
        tree("        Check(id: \"a\", label: \"A?\", when: Eq(\"signin.error_code\", 1), yes: \"q\", no: \"done\"),\n        Question(id: \"q\", text: \"?\", choices: [(id: \"y\", label: \"Y\")]),");
    let errs = errors(&[("t.ron", &t), ("d.ron", DIAG)]);
    let got: Vec<(&str, usize, Option<&str>)> = errs.iter().map(|e| (e.0.as_str(), e.2, e.4.as_deref())).collect();
    assert_eq!(got, [("missing-branch", 7, Some("a")), ("missing-branch", 8, Some("q")), ("missing-branch", 8, Some("q"))]);
}

#[test]
fn questions_without_choices() {
    let t = tree("        Question(id: \"a\", text: \"Anything?\", choices: [], dont_know: \"done\"),");
    let (code, l, _, node, _) = one(&t);
    assert_eq!((code.as_str(), l, node.as_deref()), ("no-choices", 7, Some("a")));
}

#[test]
fn reserved_and_duplicate_choices() {
    let t = tree("        Question(id: \"a\", text: \"?\", choices: [(id: \"y\", label: \"Y\", next: \"done\"), (id: \"y\", label: \"Y2\", next: \"done\"), (id: \"dont-know\", label: \"?\", next: \"done\")], dont_know: \"done\"),");
    let errs = errors(&[("t.ron", &t), ("d.ron", DIAG)]);
    let codes: Vec<&str> = errs.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(codes, ["duplicate-id", "reserved-choice"]);
}

#[test]
fn invalid_regex_and_dead_branch() {
    let t = tree("        Check(id: \"a\", label: \"A?\", when: Matches(\"mfa.result\", \"denied(\"), yes: \"b\", no: \"done\", unknown: \"done\"),\n        Check(id: \"b\", label: \"B?\", when: Known(\"mfa.result\"), yes: \"done\", no: \"done\", unknown: \"done\"),");
    let errs = errors(&[("t.ron", &t), ("d.ron", DIAG)]);
    let got: Vec<(&str, usize)> = errs.iter().map(|e| (e.0.as_str(), e.2)).collect();
    assert_eq!(got, [("bad-regex", 7), ("dead-branch", 8)]);
}

#[test]
fn entry_tree_problems() {
    let no_entry = "Tree(id: \"t\", title: \"T\", nodes: [])";
    let errs = errors(&[("t.ron", no_entry), ("d.ron", DIAG)]);
    assert_eq!(errs[0].0, "no-entry");
    let bad_start = tree("        Check(id: \"b\", label: \"B?\", when: Eq(\"signin.error_code\", 1), yes: \"done\", no: \"done\", unknown: \"done\"),");
    let errs = errors(&[("t.ron", &bad_start), ("d.ron", DIAG)]);
    assert_eq!((errs[0].0.as_str(), errs[0].2), ("missing-node", 5));
}

#[test]
fn switch_checks() {
    let t = tree("        Switch(id: \"a\", label: \"Kind?\", fact: \"signin.error_code\", cases: [(values: [1, 2], label: \"one\", next: \"done\"), (values: [2, \"x\"], label: \"two\", next: \"done\")], default: \"done\"),");
    let errs = errors(&[("t.ron", &t), ("d.ron", DIAG)]);
    let codes: Vec<&str> = errs.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(codes, ["missing-branch", "type-mismatch", "duplicate-id"], "{errs:?}");
}

#[test]
fn all_errors_are_reported_at_once_and_rendered_with_carets() {
    let t = tree(
        "        Check(id: \"a\", label: \"A?\", when: Eq(\"user.is_brake_glass\", true), yes: \"b\", no: \"nowhere\", unknown: \"done\"),\n        Check(id: \"b\", label: \"B?\", when: Gt(\"signin.country\", 3), yes: \"done\", no: \"done\", unknown: \"done\"),\n        Diagnosis(id: \"lonely\", title: \"L\", severity: Low, summary: \"S.\", next_steps: []),",
    );
    let sources = vec![("rules/t.ron".to_string(), t), ("rules/d.ron".to_string(), DIAG.to_string())];
    let e = Rules::from_sources(sources).unwrap_err();
    let errs = e.rule_errors().unwrap();
    assert_eq!(errs.len(), 5);
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false, omit_expression => true}, {
        insta::assert_snapshot!("rule-errors-human", errs.render_plain());
    });
}

// ---- safety and paths ------------------------------------------------------

fn diag_file(extra: &str, diagnosis: &str) -> String {
    format!("Tree(id: \"d\", title: \"D\", {extra}\n    nodes: [\n        {diagnosis},\n    ],\n)\n")
}

fn entry_to_done() -> String {
    tree("        Check(id: \"a\", label: \"A?\", when: Eq(\"signin.error_code\", 500121), yes: \"done\", no: \"done\", unknown: \"done\"),")
}

#[test]
fn a_credential_change_without_the_declaration_fails_check() {
    let d = diag_file("", r#"Diagnosis(id: "done", title: "Done", severity: Low, summary: "S.", next_steps: ["Ask the user.", "Issue a Temporary Access Pass (one hour)."])"#);
    let errs = errors(&[("t.ron", &entry_to_done()), ("d.ron", &d)]);
    assert_eq!(errs.len(), 1, "{errs:?}");
    let (code, file, line, _, node, hint) = &errs[0];
    assert_eq!((code.as_str(), file.as_str(), *line, node.as_deref()), ("unverified-change", "d.ron", 3, Some("done")));
    assert!(hint.as_deref().unwrap().contains("changes_credentials: true"));
    for step in ["Reset the user's password.", "Unblock the user.", "Choose Require re-register MFA.", "Dismiss user risk in ID Protection.", "Set Account enabled (re-enable it)."] {
        let d = diag_file("", &format!(r#"Diagnosis(id: "done", title: "Done", severity: Low, summary: "S.", next_steps: ["{step}"])"#));
        let errs = errors(&[("t.ron", &entry_to_done()), ("d.ron", &d)]);
        assert_eq!(errs[0].0, "unverified-change", "{step}");
    }
}

#[test]
fn a_declared_change_needs_the_shared_verification_steps() {
    let d = diag_file("", r#"Diagnosis(id: "done", title: "Done", severity: Low, summary: "S.", changes_credentials: true, next_steps: ["Reset the password."])"#);
    let errs = errors(&[("t.ron", &entry_to_done()), ("d.ron", &d)]);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!((errs[0].0.as_str(), errs[0].4.as_deref()), ("no-verification", Some("done")));
    // With them, the verification steps come first, paths filled in.
    let d = diag_file(
        "paths: {\"users\": \"Entra ID → Users\"}, verify_caller: [\"Verify the caller out of band.\"],",
        r#"Diagnosis(id: "done", title: "Done", severity: Low, summary: "S.", changes_credentials: true, next_steps: ["Reset the password: {nav.users} → the user."])"#,
    );
    let rules = Rules::from_sources(vec![("t.ron".into(), entry_to_done()), ("d.ron".into(), d)]).unwrap();
    let steps = &rules.diagnosis("done").unwrap().next_steps;
    assert_eq!(steps, &["Verify the caller out of band.", "Reset the password: Entra ID → Users → the user."]);
}

#[test]
fn an_unknown_admin_center_path() {
    let d = diag_file("paths: {\"users\": \"Entra ID → Users\"},", r#"Diagnosis(id: "done", title: "Done", severity: Low, summary: "S.", next_steps: ["Open {nav.user}."])"#);
    let errs = errors(&[("t.ron", &entry_to_done()), ("d.ron", &d)]);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].0, "unknown-path");
    assert!(errs[0].5.as_deref().unwrap().contains("did you mean `{nav.users}`?"), "{errs:?}");
}

#[test]
fn every_shipped_diagnosis_cites_a_source_and_changes_come_after_verification() {
    let rules = Rules::embedded().unwrap();
    let verify = rules.diagnosis("possible-compromise").unwrap().next_steps[0].clone();
    assert!(verify.starts_with("VERIFY THE CALLER FIRST"), "{verify}");
    for n in rules.nodes() {
        if let signin_doctor::model::Node::Diagnosis(d) = n {
            assert!(!d.references.is_empty(), "{} cites no source", d.id);
            assert!(d.references.iter().all(|r| r.starts_with("https://")), "{}", d.id);
            assert_eq!(d.changes_credentials, d.next_steps[0] == verify, "{}: the verification steps come first exactly when credentials change", d.id);
            assert!(d.next_steps.iter().all(|s| !s.contains("{nav.")), "{}: every path is filled", d.id);
        }
    }
}

// ---- hostile and huge rule files ---------------------------------------------

/// Unbalanced brackets are syntax errors with a place, never a hang (the
/// fuzzer's 13-byte `(nodes: [)])` looped forever), and the other files'
/// errors are still reported beside them.
#[test]
fn unbalanced_brackets_are_syntax_errors_and_other_files_still_report() {
    let other = tree("        Check(id: \"a\", label: \"A?\", when: Eq(\"signin.eror_code\", 1), yes: \"done\", no: \"done\", unknown: \"done\"),");
    for bad in ["(nodes: [)])", "(nodes: [}])", "(nodes: [)", "Tree(nodes: [Check(]", "Tree(id: \"x\", nodes: [Check(id: \"y\"), )])", "(nodes: [,,,)", "(nodes: [\"a\" ]]]]"] {
        let errs = errors(&[("bad.ron", bad), ("t.ron", &other), ("d.ron", DIAG)]);
        let syntax: Vec<&Found> = errs.iter().filter(|e| e.1 == "bad.ron").collect();
        assert_eq!(syntax.len(), 1, "{bad}: {errs:?}");
        assert_eq!(syntax[0].0, "syntax", "{bad}");
        assert_eq!(syntax[0].2, 1, "{bad}: line");
        assert!(syntax[0].3 >= 1 && syntax[0].3 <= bad.len() + 1, "{bad}: column {}", syntax[0].3);
        assert!(errs.iter().any(|e| e.1 == "t.ron" && e.0 == "unknown-fact"), "{bad}: the other file's error is lost: {errs:?}");
    }
}

/// A chain of `n` checks in front of the shipped diagnoses, entered from the
/// triage tree's first check.
fn chain(n: usize) -> Vec<(String, String)> {
    let mut sources: Vec<(String, String)> = std::fs::read_dir("rules")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .map(|p| (p.display().to_string(), std::fs::read_to_string(&p).unwrap()))
        .collect();
    sources.sort();
    let triage = sources.iter_mut().find(|(n, _)| n.ends_with("00-triage.ron")).unwrap();
    triage.1 = triage.1.replacen("no: \"risk\",", "no: \"n0\",", 1);
    let mut big = String::from("Tree(id: \"big\", title: \"Big\", description: \"generated\", start: \"n0\", nodes: [\n");
    for i in 0..n {
        let next = if i + 1 < n { format!("n{}", i + 1) } else { "risk".to_string() };
        big.push_str(&format!("  Check(id: \"n{i}\", label: \"Is it {i}?\", when: Eq(\"signin.error_code\", {i}), yes: \"not-registered-for-mfa\", no: \"{next}\", unknown: \"{next}\"),\n"));
    }
    big.push_str("])\n");
    sources.push(("rules/50-big.ron".into(), big));
    sources
}

/// A 20k-node chain loads and explains without overflowing the stack
/// (petgraph's recursive Tarjan and the recursive path search each did, on a
/// test thread's stack). How fast is the benchmark's business (benches/check.rs).
#[test]
fn a_deep_chain_loads_and_explains() {
    let rules = Rules::from_sources(chain(20_000)).expect("the chain is valid");
    assert_eq!(rules.nodes().count(), 20_000 + 103);
    let (paths, truncated) = signin_doctor::authoring::explain(&rules, "not-registered-for-mfa").unwrap();
    assert!(truncated, "more than the limit of paths lead to the diagnosis");
    assert_eq!(paths.len(), 500);
    // The first path found takes the first check's yes: the triage tree's first step, then n0.
    assert_eq!(paths[0].last().unwrap().node, "n0");
    assert_eq!(paths[0].last().unwrap().branches, ["yes"]);
}

/// One regex that compiles too large is an error with a hint, not hundreds of
/// megabytes; the same pattern used twice is compiled once and reported once.
#[test]
fn an_oversized_regex_is_refused_with_a_hint() {
    let when = "Matches(\"signin.app\", \"^(\\\\w{1,20}x{1,30}){1,10}$\")";
    let t = tree(&format!(
        "        Check(id: \"a\", label: \"A?\", when: {when}, yes: \"done\", no: \"b\", unknown: \"b\"),\n        Check(id: \"b\", label: \"B?\", when: Matches(\"signin.app\", \"^Teams$\"), yes: \"done\", no: \"done\", unknown: \"done\"),"
    ));
    let errs = errors(&[("t.ron", &t), ("d.ron", DIAG)]);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!((errs[0].0.as_str(), errs[0].2, errs[0].4.as_deref()), ("bad-regex", 7, Some("a")));
    assert!(errs[0].5.as_deref().unwrap().contains("make it simpler"), "{errs:?}");
}

/// A picture too large for the in-process layout is refused at once with
/// what to do instead, rather than laying out for minutes.
#[cfg(feature = "svg")]
#[test]
fn an_oversized_svg_picture_is_refused() {
    let rules = Rules::from_sources(chain(300)).unwrap();
    let hl = signin_doctor::authoring::Highlight::default();
    let e = signin_doctor::authoring::svg(&rules, Some("big"), &hl).unwrap_err();
    assert!(e.contains("too many to lay out") && e.contains("--tree"), "{e}");
    assert!(signin_doctor::authoring::svg(&rules, Some("access"), &hl).is_ok());
}

#[test]
fn a_step_or_summary_naming_no_fact_is_an_error_with_did_you_mean() {
    let diag = r#"Tree(id: "d", title: "D", nodes: [
    Diagnosis(id: "done", title: "Done", severity: Low, summary: "Code {signin.error_code}.", next_steps: ["Look up {signin.eror_code}."]),
])
"#;
    let errs = errors(&[("t.ron", &tree(r#"        Check(id: "a", label: "A?", when: Eq("signin.error_code", 1), yes: "done", no: "done", unknown: "done"),"#)), ("d.ron", diag)]);
    assert_eq!(errs.len(), 1, "{errs:?}");
    let (code, file, line, col, node, hint) = &errs[0];
    assert_eq!((code.as_str(), file.as_str(), *line, node.as_deref()), ("unknown-fact", "d.ron", 2, Some("done")));
    assert_eq!(*col, diag.lines().nth(1).unwrap().find("signin.eror_code").unwrap() + 1, "at the placeholder's name");
    assert!(hint.as_deref().unwrap_or("").contains("signin.error_code"), "{hint:?}");
}

#[test]
fn the_shipped_texts_have_no_raw_placeholders() {
    // `<code>`, `<user>`: a placeholder an agent would have to fill by hand
    // (a fact goes in `{braces}` and is filled from the data).
    let rules = signin_doctor::Rules::embedded().unwrap();
    let raw = regex::Regex::new(r"<[a-z][a-z _-]*>").unwrap();
    let mut texts = 0;
    for node in rules.nodes() {
        let (id, list): (&str, Vec<&String>) = match node {
            signin_doctor::model::Node::Diagnosis(d) => (&d.id, d.next_steps.iter().chain([&d.summary, &d.title]).collect()),
            signin_doctor::model::Node::Question(q) => (&q.id, [&q.text].into_iter().chain(q.help.iter()).collect()),
            _ => continue,
        };
        for text in list {
            texts += 1;
            assert!(!raw.is_match(text), "{id}: {text}");
        }
    }
    assert!(texts > 200, "the texts were read ({texts})");
}

#[test]
fn a_help_text_naming_no_fact_and_a_placeholder_in_a_label_are_errors() {
    let t = tree("        Question(id: \"a\", text: \"Seen it?\", help: \"Method: {mfa.methd}.\", choices: [(id: \"y\", label: \"Yes, in {signin.app}\", next: \"done\")], dont_know: \"done\"),");
    let errs = errors(&[("t.ron", &t), ("d.ron", DIAG)]);
    let codes: Vec<&str> = errs.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(codes, ["unknown-fact", "unfilled-placeholder"], "{errs:?}");
    assert!(errs[0].5.as_deref().unwrap_or("").contains("mfa.method"), "did you mean: {errs:?}");
    let line = t.lines().nth(errs[0].2 - 1).unwrap();
    assert_eq!(errs[0].3, line.find("mfa.methd").unwrap() + 1, "at the name in the help text");
    assert_eq!(errs[1].4.as_deref(), Some("a"));
}

#[test]
fn a_text_fact_in_a_step_and_a_placeholder_in_a_switch_label_are_errors() {
    let diag = r#"Tree(id: "d", title: "D", nodes: [
    Diagnosis(id: "done", title: "Done", severity: Low, summary: "S.", next_steps: ["The app {signin.app} says so."]),
])
"#;
    let t = tree(
        r#"        Switch(id: "a", label: "Which code is {signin.error_code}?", fact: "signin.error_code", cases: [(values: [1], label: "One", next: "done")], default: "done", unknown: "done"),"#,
    );
    let errs = errors(&[("t.ron", &t), ("d.ron", diag)]);
    let codes: Vec<(&str, &str)> = errs.iter().map(|e| (e.0.as_str(), e.1.as_str())).collect();
    assert_eq!(codes, [("text-in-step", "d.ron"), ("unfilled-placeholder", "t.ron")], "{errs:?}");
    assert!(errs[0].5.as_deref().unwrap_or("").contains("number and yes/no facts"));
}

/// A long tree is drawn in parts of at most `LIMIT` boxes each, every node
/// in one, the start first; the parts link to one another.
#[test]
fn a_long_tree_is_drawn_in_linked_parts() {
    use signin_doctor::authoring::{dot_part, parts, DotFlavour, Highlight, LIMIT};
    let rules = Rules::from_sources(chain(300)).unwrap();
    let big = parts(&rules, "big");
    assert!(big.len() >= 300 * 2 / LIMIT && big.len() <= 300, "{} parts", big.len());
    assert_eq!(big[0].root, "n0", "the part the tree starts in comes first");
    assert_eq!(big.iter().map(|p| p.nodes.len()).sum::<usize>(), 300);
    let first = dot_part(&rules, &big, 0, &Highlight::default(), DotFlavour::Graphviz);
    let next = &big.iter().find(|p| p.nodes.iter().any(|n| n == &format!("n{}", big[0].nodes.len()))).unwrap().stem;
    assert!(first.contains(&format!("URL=\"{next}.svg\"")), "a link to the next part ({next}): {first}");
}

/// Node ids are any text: the pictures escape them (DOT) or do not use
/// them as keys at all (Mermaid).
#[test]
fn node_ids_with_quotes_spaces_and_mermaid_words_draw() {
    let t = tree("        Check(id: \"a\", label: \"A?\", when: Eq(\"signin.error_code\", 1), yes: \"end\", no: \"say \\\"no\\\"\", unknown: \"end\"),\n        Check(id: \"say \\\"no\\\"\", label: \"B?\", when: Eq(\"signin.error_code\", 2), yes: \"end\", no: \"end\", unknown: \"end\"),");
    let d = DIAG.replace("\"done\"", "\"end\"");
    let rules = Rules::from_sources(vec![("t.ron".into(), t), ("d.ron".into(), d)]).unwrap();
    let hl = signin_doctor::authoring::Highlight::default();
    let dot = signin_doctor::authoring::dot(&rules, Some("t"), &hl, signin_doctor::authoring::DotFlavour::Graphviz);
    assert!(dot.contains("\"a\" -> \"say \\\"no\\\"\" [label=\"no\"]"), "{dot}");
    let flow = signin_doctor::authoring::mermaid(&rules, Some("t"), &hl);
    assert!(flow.contains("  n0 -->|\"yes / unknown\"| n2") && !flow.contains(" end "), "{flow}");
    assert!(signin_doctor::authoring::svg(&rules, Some("t"), &hl).is_ok());
}

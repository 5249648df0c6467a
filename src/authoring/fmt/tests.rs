//! The formatter's unit tests.

use super::*;

fn fmt(s: &str) -> String {
    format_ron(std::path::Path::new("t.ron"), s).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn short_values_stay_on_one_line_and_long_ones_break() {
    assert_eq!(fmt("T( a :1 ,b:[ 1,2, ] , )"), "T(\n    a: 1,\n    b: [1, 2],\n)\n");
    let out = fmt("Tree(id:\"triage\",title:\"Sign-in failure triage\",nodes:[Check(id:\"a\",when:Eq(\"signin.error_code\",50126),yes:\"b\",no:\"c\")])");
    assert_eq!(out, "Tree(\n    id: \"triage\",\n    title: \"Sign-in failure triage\",\n    nodes: [Check(id: \"a\", when: Eq(\"signin.error_code\", 50126), yes: \"b\", no: \"c\")],\n)\n");
    assert_eq!(fmt(&out), out, "formatting twice changes nothing");
}

#[test]
fn one_long_string_in_brackets_stays_on_its_line() {
    let long = format!("C(signins: [Json(r#\"{}\"#)], audit: [])", "x".repeat(150));
    assert_eq!(fmt(&long), format!("C(\n    signins: [Json(r#\"{}\"#)],\n    audit: [],\n)\n", "x".repeat(150)));
}

#[test]
fn lists_of_records_are_tables() {
    let out = fmt("Q(choices: [(id: \"yes\", next: \"a\"), (id: \"no\", next: \"b\")], one: [(id: \"x\")])");
    assert_eq!(out, "Q(\n    choices: [\n        (id: \"yes\", next: \"a\"),\n        (id: \"no\", next: \"b\"),\n    ],\n    one: [(id: \"x\")],\n)\n");
}

#[test]
fn a_single_list_argument_hugs_its_call() {
    let long = format!("X(when: Any([Eq(\"{}\", true), Eq(\"b\", false)]))", "a".repeat(110));
    let out = fmt(&long);
    assert!(out.contains("    when: Any([\n        Eq(\n            \"aaa"), "{out}");
    assert!(out.contains("        Eq(\"b\", false),\n    ]),\n"), "{out}");
    assert_eq!(fmt(&out), out);
}

#[test]
fn comments_and_one_blank_line_are_kept() {
    let src = "// top\nT(\n    a: 1, // after a\n\n\n    // before b\n    b: [1, /* in */ 2],\n    /* last */\n)\n";
    let out = fmt(src);
    assert_eq!(out, "// top\nT(\n    a: 1, // after a\n\n    // before b\n    b: [\n        1,\n        /* in */\n        2,\n    ],\n    /* last */\n)\n");
    // A comment is never lost or moved to another element.
    assert_eq!(fmt("T(a: [1, 2 /* two */], b: 3)"), "T(\n    a: [\n        1,\n        2, /* two */\n    ],\n    b: 3,\n)\n");
    assert_eq!(fmt(&out), out);
}

#[test]
fn a_blank_line_after_a_section_comment_is_kept() {
    let src = "// header\n\nT(\n    a: 1,\n\n    // Section\n\n    // more\n\n    b: 2,\n    // trailing\n\n)\n";
    let out = fmt(src);
    assert_eq!(out, "// header\n\nT(\n    a: 1,\n\n    // Section\n\n    // more\n\n    b: 2,\n    // trailing\n)\n");
    assert_eq!(fmt(&out), out);
}

#[test]
fn unit_and_the_empty_tuple_stay_apart() {
    // RON reads `()` as the unit and `( )` as an empty tuple.
    assert_eq!(fmt("T(a: ( ), b: [ ], c: (), d: T( ), e: Some(()))"), "T(\n    a: ( ),\n    b: [],\n    c: (),\n    d: T(),\n    e: Some(()),\n)\n");
    assert_eq!(fmt("T(a: (\n    // nothing yet\n))"), "T(\n    a: (\n        // nothing yet\n    ),\n)\n");
}

#[test]
fn strings_with_brackets_and_escapes_are_atoms() {
    let out = fmt("T(label: \"a, b: (c) [d] \\\"e\\\" // f\", raw: r#\"x\"y\"#)");
    assert_eq!(out, "T(\n    label: \"a, b: (c) [d] \\\"e\\\" // f\",\n    raw: r#\"x\"y\"#,\n)\n");
}

#[test]
fn unreadable_text_is_an_error_at_its_place() {
    let e = format_ron(std::path::Path::new("t.ron"), "T(\n  a: \"open").unwrap_err();
    assert_eq!(e.line(), Some(2), "{e}");
    let e = format_ron(std::path::Path::new("t.ron"), "T(a: 1,\n  , b)").unwrap_err();
    assert_eq!(e.line(), Some(2), "{e}");
    // Too deep to read is an error, not a crash.
    let deep = format!("T(a: {}1{})", "[".repeat(5000), "]".repeat(5000));
    assert!(format_ron(std::path::Path::new("t.ron"), &deep).is_err());
}

#[test]
fn comments_anywhere_stay_with_their_element() {
    let src = "T(\n    id /* k */ : /* v */ \"mfa\", // one\n    when: // why\n        Eq(\"a\", 1) /* x */ /* y */,\n    n: Some /* s */ (1),\n    m: [1 // c\n    , 2],\n)\n";
    let out = fmt(src);
    assert_eq!(fmt(&out), out);
    for c in ["/* k */", "/* v */", "// one", "// why", "/* x */ /* y */", "/* s */", "// c"] {
        assert!(out.contains(c), "{c}: {out}");
    }
    assert!(out.contains("    // why\n    when: Eq(\"a\", 1), /* x */ /* y */\n"), "{out}");
    assert!(out.contains("        1, // c\n        2,\n"), "{out}");
    assert!(format_ron(std::path::Path::new("t.ron"), "T(a: 1 // c\n  b: 2)").is_err(), "two elements need a comma");
}

#[test]
fn crlf_unicode_and_rust_literals() {
    let out = fmt("T(\r\n  a: 'x',\r\n  b: b\"y\",\r\n  r#type: \"é\",\r\n)\r\n");
    assert_eq!(out, "T(\n    a: 'x',\n    b: b\"y\",\n    r#type: \"é\",\n)\n");
    // Width counts characters, not bytes.
    let wide = format!("T(a: [\"{}\"])", "é".repeat(100));
    assert_eq!(fmt(&wide), format!("T(\n    a: [\"{}\"],\n)\n", "é".repeat(100)));
}

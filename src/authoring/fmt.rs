//! One canonical layout for rule and case files (`signin-doctor fmt`), so
//! that diffs between authors show what changed and not how it was typed.
//!
//! The layout is rustfmt's for the same shapes: a value that fits in
//! [`WIDTH`] columns with no comment inside stays on one line; otherwise
//! each field or element goes on its own line, indented four spaces, with a
//! trailing comma, and a call whose one argument is a list hugs it
//! (`Any([` ... `])`). `key: value` has one space after the colon. Every
//! comment is kept, on its own line or after its element as written; one
//! blank line between elements is kept, more become one.
//!
//! The text is re-read after formatting: the two must give the same RON
//! value and hold the same comments, or the file is left as it was.

use crate::error::{Error, ErrorKind, Result};

/// The widest line the layout makes (a longer string is never broken).
pub const WIDTH: usize = 120;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open(char),
    Close(char),
    Comma,
    Colon,
    Atom(String),
    /// A comment, with whether a line break came before it.
    Comment(String, bool),
}

/// A token, the line breaks before it, and its byte offset.
type Lexed = (Tok, usize, usize);

/// Tokens, each with the number of line breaks before it and its offset.
fn lex(src: &str) -> std::result::Result<Vec<Lexed>, (usize, String)> {
    let b = src.as_bytes();
    let (mut i, mut out, mut breaks) = (0usize, Vec::new(), 0usize);
    // A quoted text from `i` (at its opening quote) to past its closing one.
    let quoted = |mut i: usize, q: u8| -> Option<usize> {
        i += 1;
        while i < b.len() && b[i] != q {
            i += if b[i] == b'\\' { 2 } else { 1 };
        }
        (i < b.len()).then_some(i + 1)
    };
    while i < b.len() {
        let c = b[i];
        let start = i;
        let tok = match c {
            b'\n' => {
                breaks += 1;
                i += 1;
                continue;
            }
            c if c.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b'(' | b'[' | b'{' => {
                i += 1;
                Tok::Open(c as char)
            }
            b')' | b']' | b'}' => {
                i += 1;
                Tok::Close(c as char)
            }
            b',' => {
                i += 1;
                Tok::Comma
            }
            b':' => {
                i += 1;
                Tok::Colon
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                Tok::Comment(src[start..i].trim_end().to_string(), breaks > 0)
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = crate::text::lexical::block_comment_end(b, i).ok_or((start, "a block comment is not closed".to_string()))?;
                Tok::Comment(src[start..i].to_string(), breaks > 0)
            }
            b'"' | b'\'' => {
                i = quoted(i, c).ok_or((start, if c == b'"' { "a string is not closed" } else { "a character is not closed" }.to_string()))?;
                Tok::Atom(src[start..i].to_string())
            }
            b'b' if b.get(i + 1) == Some(&b'"') => {
                i = quoted(i + 1, b'"').ok_or((start, "a byte string is not closed".to_string()))?;
                Tok::Atom(src[start..i].to_string())
            }
            // A raw string (`r"…"`, `r#"…"#`); `r#name` is a raw identifier.
            b'r' if crate::text::lexical::raw_string(src, i).is_some() => {
                i = crate::text::lexical::raw_string(src, i).and_then(|(_, end)| end).ok_or((start, "a raw string is not closed".to_string()))?;
                Tok::Atom(src[start..i].to_string())
            }
            _ => {
                while i < b.len() && !b[i].is_ascii_whitespace() && !b"()[]{},:\"/".contains(&b[i]) {
                    i += 1;
                }
                if i == start {
                    return Err((start, format!("unexpected {:?}", c as char)));
                }
                Tok::Atom(src[start..i].to_string())
            }
        };
        out.push((tok, breaks, start));
        breaks = 0;
    }
    Ok(out)
}

/// A value: an atom, or a group (named or not) of items.
#[derive(Debug)]
enum Node {
    Atom(String),
    Group { head: Option<String>, open: char, close: char, items: Vec<Item>, inner: Vec<String> },
}

/// One element of a group: comments before it (and any written inside it,
/// between its key, colon, name and value), `key:` and value, and the
/// comments after it on its line.
#[derive(Debug)]
struct Item {
    before: Vec<String>,
    blank: bool,
    key: Option<String>,
    value: Node,
    after: Vec<String>,
}

/// How deep groups may nest (RON's own limit).
const DEPTH: usize = 128;

struct Parser {
    toks: Vec<Lexed>,
    at: usize,
    depth: usize,
}

/// A parse error: the byte offset it is at, and why.
type ParseError = (usize, String);

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|t| &t.0)
    }
    fn breaks(&self) -> usize {
        self.toks.get(self.at).map_or(0, |t| t.1)
    }
    fn offset(&self) -> usize {
        self.toks.get(self.at).or(self.toks.last()).map_or(0, |t| t.2)
    }
    /// What the next token is, for an error.
    fn found(&self) -> String {
        match self.peek() {
            None => "the end of the file".into(),
            Some(Tok::Open(c) | Tok::Close(c)) => format!("'{c}'"),
            Some(Tok::Comma) => "','".into(),
            Some(Tok::Colon) => "':'".into(),
            Some(Tok::Atom(a)) => a.chars().take(40).collect(),
            Some(Tok::Comment(..)) => "a comment".into(),
        }
    }
    fn fail<T>(&self, what: &str) -> std::result::Result<T, ParseError> {
        Err((self.offset(), format!("expected {what}, found {}", self.found())))
    }
    /// Comments next, wherever they are; and whether a blank line came first.
    fn comments(&mut self) -> (Vec<String>, bool) {
        let mut out = Vec::new();
        let blank = self.breaks() > 1;
        while let Some(Tok::Comment(c, _)) = self.peek() {
            out.push(c.clone());
            self.at += 1;
        }
        (out, blank)
    }
    /// A value; comments written inside it (between a name and its `(`)
    /// go to `mid`.
    fn value(&mut self, mid: &mut Vec<String>) -> std::result::Result<Node, ParseError> {
        match self.peek().cloned() {
            Some(Tok::Atom(a)) => {
                self.at += 1;
                let save = self.at;
                let (between, _) = self.comments();
                if let Some(Tok::Open('(')) = self.peek() {
                    self.at += 1;
                    mid.extend(between);
                    return self.group(Some(a), '(');
                }
                self.at = save;
                Ok(Node::Atom(a))
            }
            Some(Tok::Open(o)) => {
                self.at += 1;
                self.group(None, o)
            }
            _ => self.fail("a value"),
        }
    }
    fn group(&mut self, head: Option<String>, open: char) -> std::result::Result<Node, ParseError> {
        self.depth += 1;
        if self.depth > DEPTH {
            return Err((self.offset(), format!("the values nest more than {DEPTH} deep")));
        }
        let close = match open {
            '(' => ')',
            '[' => ']',
            _ => '}',
        };
        let mut items: Vec<Item> = Vec::new();
        loop {
            let (mut before, blank) = self.comments();
            if self.peek() == Some(&Tok::Close(close)) {
                self.at += 1;
                self.depth -= 1;
                return Ok(Node::Group { head, open, close, items, inner: before });
            }
            let first = self.value(&mut before)?;
            // Comments between a key and its colon, or after the colon.
            let save = self.at;
            let (between, _) = self.comments();
            let (key, value) = if self.peek() == Some(&Tok::Colon) {
                self.at += 1;
                before.extend(between);
                let key = match first {
                    Node::Atom(k) => k,
                    Node::Group { .. } => return Err((self.offset(), "a key must be a name or a string".into())),
                };
                let (after_colon, _) = self.comments();
                before.extend(after_colon);
                (Some(key), self.value(&mut before)?)
            } else {
                self.at = save;
                (None, first)
            };
            let mut item = Item { before, blank: blank && !items.is_empty(), key, value, after: Vec::new() };
            // Comments on the value's line, before or after its comma, are
            // its own; one that starts a line belongs to what follows it.
            self.same_line(&mut item.after);
            match self.peek() {
                Some(Tok::Comma) => {
                    self.at += 1;
                    // After the comma, only a run that ends the line: a block
                    // comment before the next element on its line is that one's.
                    let mut end = self.at;
                    while let Some((Tok::Comment(_, false), 0, _)) = self.toks.get(end) {
                        end += 1;
                    }
                    if self.toks.get(end).is_none_or(|(t, br, _)| *br > 0 || matches!(t, Tok::Close(_))) {
                        self.same_line(&mut item.after);
                    }
                }
                Some(Tok::Close(c)) if *c == close => {}
                Some(Tok::Comment(..)) => {
                    // Own-line comments, then the group must close.
                    let save = self.at;
                    let _ = self.comments();
                    if self.peek() != Some(&Tok::Close(close)) {
                        return self.fail(&format!("',' or '{close}'"));
                    }
                    self.at = save;
                }
                _ => return self.fail(&format!("',' or '{close}'")),
            }
            items.push(item);
        }
    }
    /// The comments that follow on the same line, into `into`.
    fn same_line(&mut self, into: &mut Vec<String>) {
        while let Some((Tok::Comment(c, false), 0, _)) = self.toks.get(self.at) {
            into.push(c.clone());
            self.at += 1;
        }
    }
}

fn has_comments(n: &Node) -> bool {
    match n {
        Node::Atom(_) => false,
        Node::Group { items, inner, .. } => !inner.is_empty() || items.iter().any(|i| !i.before.is_empty() || !i.after.is_empty() || has_comments(&i.value)),
    }
}

/// A list of two or more records (`(id: ..., label: ..., next: ...)`): a
/// table, one record a line, however short.
fn records(n: &Node) -> bool {
    match n {
        Node::Group { open: '[', items, .. } if items.len() >= 2 => {
            items.iter().all(|i| matches!(&i.value, Node::Group { head: None, open: '(', items: fields, .. } if fields.iter().all(|f| f.key.is_some())))
        }
        _ => false,
    }
}

/// An atom, or one unkeyed atom in brackets, however deep
/// (`[Json(r#"..."#)]`): breaking it into lines would shorten nothing.
fn unbreakable(n: &Node) -> bool {
    match n {
        Node::Atom(_) => true,
        Node::Group { items, inner, .. } => inner.is_empty() && matches!(items.as_slice(), [only] if only.key.is_none() && only.before.is_empty() && only.after.is_empty() && unbreakable(&only.value)),
    }
}

fn has_records(n: &Node) -> bool {
    records(n) || matches!(n, Node::Group { items, .. } if items.iter().any(|i| has_records(&i.value)))
}

/// The value on one line, when it holds no comment.
fn flat(n: &Node) -> Option<String> {
    if has_comments(n) || has_records(n) {
        return None;
    }
    Some(flat_text(n))
}

fn flat_text(n: &Node) -> String {
    match n {
        Node::Atom(a) => a.clone(),
        Node::Group { head, open, close, items, .. } => {
            let parts: Vec<String> = items.iter().map(|i| format!("{}{}", i.key.as_ref().map(|k| format!("{k}: ")).unwrap_or_default(), flat_text(&i.value))).collect();
            format!("{}{open}{}{close}", head.as_deref().unwrap_or(""), parts.join(", "))
        }
    }
}

/// Write `n` starting at column `col` (its first line's indent is already
/// written), at indent `ind`, with `tail` (`,` or nothing) after it.
fn print(n: &Node, ind: usize, col: usize, tail: &str, out: &mut String) {
    if let Some(f) = flat(n) {
        if col + f.chars().count() + tail.len() <= WIDTH || unbreakable(n) {
            out.push_str(&f);
            out.push_str(tail);
            return;
        }
    }
    broken(n, ind, tail, out);
}

/// Write a group one element a line (the hug rule kept).
fn broken(n: &Node, ind: usize, tail: &str, out: &mut String) {
    let Node::Group { head, open, close, items, inner } = n else {
        out.push_str(&flat_text(n));
        out.push_str(tail);
        return;
    };
    let head = head.as_deref().unwrap_or("");
    // `Any([ ... ])`: a call whose one argument is a list hugs it.
    if let [only] = items.as_slice() {
        if only.key.is_none() && only.before.is_empty() && only.after.is_empty() && inner.is_empty() {
            if let Node::Group { head: None, open: o2, close: c2, items: inner_items, inner: inner2 } = &only.value {
                out.push_str(&format!("{head}{open}{o2}\n"));
                body(inner_items, inner2, ind, out);
                out.push_str(&format!("{}{c2}{close}{tail}", " ".repeat(ind)));
                return;
            }
        }
    }
    out.push_str(&format!("{head}{open}\n"));
    body(items, inner, ind, out);
    out.push_str(&format!("{}{close}{tail}", " ".repeat(ind)));
}

fn body(items: &[Item], inner: &[String], ind: usize, out: &mut String) {
    let pad = " ".repeat(ind + 4);
    for it in items {
        if it.blank {
            out.push('\n');
        }
        for c in &it.before {
            out.push_str(&format!("{pad}{c}\n"));
        }
        out.push_str(&pad);
        let key = it.key.as_ref().map(|k| format!("{k}: ")).unwrap_or_default();
        out.push_str(&key);
        print(&it.value, ind + 4, ind + 4 + key.chars().count(), ",", out);
        for c in &it.after {
            out.push(' ');
            out.push_str(c);
        }
        out.push('\n');
    }
    for c in inner {
        out.push_str(&format!("{pad}{c}\n"));
    }
}

/// The canonical layout of a RON file's text. An error names the place
/// the text cannot be read at (fix the file with `check` first).
pub fn format_ron(path: &std::path::Path, src: &str) -> Result<String> {
    // Line ends become `\n` (a Windows checkout's `\r\n` too).
    let src = &src.replace("\r\n", "\n");
    // Only valid RON is formatted; RON's own reader says where it is not
    // (and bounds how deep it nests before the layout's own reading).
    if let Err(e) = crate::text::ron_options().from_str::<ron::Value>(src) {
        let (l, c, why) = crate::text::ron_error(&e);
        return Err(Error::from_parts(ErrorKind::Syntax, format!("cannot format: {why}"), path).at(l, c));
    }
    let located = |(at, why): ParseError| {
        let before = &src[..at.min(src.len())];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Error::from_parts(ErrorKind::Syntax, format!("cannot format: {why}"), path).at(line, col)
    };
    let toks = lex(src).map_err(located)?;
    let mut p = Parser { toks, at: 0, depth: 0 };
    let (mut lead, _) = p.comments();
    let value = p.value(&mut lead).map_err(located)?;
    let (trail, _) = p.comments();
    if p.at != p.toks.len() {
        return Err(located((p.offset(), format!("expected the end of the file, found {}", p.found()))));
    }
    let mut out = String::new();
    for c in &lead {
        out.push_str(c);
        out.push('\n');
    }
    // A file's own value is laid out one field a line, however short.
    match &value {
        Node::Group { items, .. } if !items.is_empty() && !unbreakable(&value) => broken(&value, 0, "", &mut out),
        _ => print(&value, 0, 0, "", &mut out),
    }
    out.push('\n');
    for c in &trail {
        out.push_str(c);
        out.push('\n');
    }
    same_meaning(path, src, &out)?;
    Ok(out)
}

/// The formatted text must read as the same value, with the same comments.
fn same_meaning(path: &std::path::Path, before: &str, after: &str) -> Result<()> {
    let opts = crate::text::ron_options();
    let a: std::result::Result<ron::Value, _> = opts.from_str(before);
    let b: std::result::Result<ron::Value, _> = opts.from_str(after);
    let comments = |s: &str| lex(s).map(|t| t.into_iter().filter_map(|(t, _, _)| if let Tok::Comment(c, _) = t { Some(c) } else { None }).collect::<Vec<_>>()).unwrap_or_default();
    let same = match (a, b) {
        (Ok(a), Ok(b)) => a == b,
        (Err(_), _) => return Err(Error::from_parts(ErrorKind::Syntax, "cannot format: the file is not valid RON (run `signin-doctor check` for where)", path)),
        _ => false,
    };
    // And the same tokens but for commas before a closing bracket.
    let bare = |s: &str| {
        let t: Vec<Tok> = lex(s).unwrap_or_default().into_iter().map(|(t, _, _)| t).filter(|t| !matches!(t, Tok::Comment(..))).collect();
        let mut out: Vec<Tok> = Vec::with_capacity(t.len());
        for (i, tok) in t.iter().enumerate() {
            if *tok == Tok::Comma && matches!(t.get(i + 1), Some(Tok::Close(_))) {
                continue;
            }
            out.push(tok.clone());
        }
        out
    };
    if !same || comments(before) != comments(after) || bare(before) != bare(after) {
        return Err(Error::from_parts(ErrorKind::Syntax, "cannot format: the layout would change what the file says or where its comments are; it was left as it is", path)
            .with_hint("write the part it cannot lay out another way (an empty `( )` as `()`), or report it"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
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
}

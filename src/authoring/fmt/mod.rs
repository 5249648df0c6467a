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

mod lex;
#[cfg(test)]
mod tests;

use lex::{lex, Lexed, Tok};

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
    /// A blank line between comments, or between the last and the element
    /// it stands before, is kept as an empty entry.
    fn comments(&mut self) -> (Vec<String>, bool) {
        let mut out = Vec::new();
        let blank = self.breaks() > 1;
        while let Some(Tok::Comment(c, _)) = self.peek() {
            if !out.is_empty() && self.breaks() > 1 {
                out.push(String::new());
            }
            out.push(c.clone());
            self.at += 1;
        }
        if !out.is_empty() && self.breaks() > 1 && !matches!(self.peek(), None | Some(Tok::Close(_))) {
            out.push(String::new());
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
                match self.peek() {
                    Some(Tok::Open('(')) => {
                        self.at += 1;
                        mid.extend(between);
                        return self.group(Some(a), '(');
                    }
                    // `T()`: a name and an empty group, not the unit.
                    Some(Tok::Atom(u)) if u == "()" => {
                        self.at += 1;
                        mid.extend(between);
                        return Ok(Node::Group { head: Some(a), open: '(', close: ')', items: Vec::new(), inner: Vec::new() });
                    }
                    _ => {}
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
        // `( )`, not `()`: that is the unit, another value in RON.
        Node::Group { head: None, open: '(', items, .. } if items.is_empty() => "( )".into(),
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
            line(&pad, c, out);
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
        line(&pad, c, out);
    }
}

/// A comment on its own line, or a blank line (an empty entry).
fn line(pad: &str, comment: &str, out: &mut String) {
    if !comment.is_empty() {
        out.push_str(pad);
        out.push_str(comment);
    }
    out.push('\n');
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
        // `()` as its two brackets: whether it is the unit or an empty
        // group, the values compared above tell.
        let t: Vec<Tok> = lex(s)
            .unwrap_or_default()
            .into_iter()
            .filter(|(t, _, _)| !matches!(t, Tok::Comment(..)))
            .flat_map(|(t, _, _)| if t == Tok::Atom("()".into()) { vec![Tok::Open('('), Tok::Close(')')] } else { vec![t] })
            .collect();
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
            .with_hint("write the part it cannot lay out another way, or report it"));
    }
    Ok(())
}

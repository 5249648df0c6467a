//! Positions in RON rule files. RON's parser gives positions only for syntax
//! errors, so this scanner finds where each node and each string stands, so
//! that every later error can point at the spot.

use std::ops::Range;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Punct(char),
    Other,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    span: Range<usize>,
}

/// A rule file's text with its tokens and node spans.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The file name as shown in errors (relative to the rules directory's parent).
    pub name: String,
    /// The text.
    pub text: String,
    tokens: Vec<Token>,
    /// Byte spans of the nodes, in the order of the `nodes` list.
    node_spans: Vec<Range<usize>>,
    line_starts: Vec<usize>,
}

fn scan(text: &str) -> Vec<Token> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i = super::lexical::block_comment_end(b, i).unwrap_or(b.len());
        } else if let Some((body, end)) = super::lexical::raw_string(text, i) {
            let start = i;
            i = end.unwrap_or(b.len());
            out.push(Token { tok: Tok::Str(text[body].to_string()), span: start..i });
        } else if c == b'"' {
            let start = i;
            i += 1;
            let mut s = String::new();
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' && i + 1 < b.len() {
                    let esc = b[i + 1];
                    s.push(match esc {
                        b'n' => '\n',
                        b't' => '\t',
                        other => other as char,
                    });
                    i += 2;
                } else {
                    let ch = text[i..].chars().next().unwrap_or(' ');
                    s.push(ch);
                    i += ch.len_utf8();
                }
            }
            i = (i + 1).min(b.len());
            out.push(Token { tok: Tok::Str(s), span: start..i });
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push(Token { tok: Tok::Ident(text[start..i].to_string()), span: start..i });
        } else if b"()[]{}:,".contains(&c) {
            out.push(Token { tok: Tok::Punct(c as char), span: i..i + 1 });
            i += 1;
        } else {
            let ch = text[i..].chars().next().map_or(1, char::len_utf8);
            out.push(Token { tok: Tok::Other, span: i..i + ch });
            i += ch;
        }
    }
    out
}

impl SourceFile {
    /// Scan a file.
    pub fn new(name: String, text: String) -> Self {
        let tokens = scan(&text);
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let node_spans = Self::find_nodes(&tokens);
        SourceFile { name, text, tokens, node_spans, line_starts }
    }

    /// Find `nodes: [ Kind( ... ), ... ]` at depth 1 and return each node's span.
    fn find_nodes(t: &[Token]) -> Vec<Range<usize>> {
        let mut depth = 0i32;
        let mut i = 0;
        while i < t.len() {
            match &t[i].tok {
                Tok::Punct('(' | '[' | '{') => depth += 1,
                Tok::Punct(')' | ']' | '}') => depth -= 1,
                Tok::Ident(s) if s == "nodes" && depth == 1 && matches!(t.get(i + 1).map(|x| &x.tok), Some(Tok::Punct(':'))) && matches!(t.get(i + 2).map(|x| &x.tok), Some(Tok::Punct('['))) => {
                    return Self::list_items(t, i + 3);
                }
                _ => {}
            }
            i += 1;
        }
        Vec::new()
    }

    fn list_items(t: &[Token], mut i: usize) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        while i < t.len() {
            match &t[i].tok {
                // Any closer ends the list: `]` in a good file, `)` or `}`
                // in a broken one (RON reports that as a syntax error).
                Tok::Punct(']' | ')' | '}') => break,
                Tok::Punct(',') => i += 1,
                _ => {
                    let start = t[i].span.start;
                    let mut depth = 0;
                    let mut j = i;
                    while j < t.len() {
                        match t[j].tok {
                            Tok::Punct('(' | '[' | '{') => depth += 1,
                            Tok::Punct(')' | ']' | '}') => {
                                if depth == 0 {
                                    break;
                                }
                                depth -= 1;
                                if depth == 0 {
                                    j += 1;
                                    break;
                                }
                            }
                            Tok::Punct(',') if depth == 0 => break,
                            _ => {}
                        }
                        j += 1;
                    }
                    let end = t[j.saturating_sub(1).max(i)].span.end;
                    out.push(start..end);
                    // Always move on, whatever the brackets say.
                    i = j.max(i + 1);
                }
            }
        }
        out
    }

    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let line = self.line_starts.partition_point(|&s| s <= offset);
        let col = self.text[self.line_starts[line - 1]..offset.min(self.text.len())].chars().count() + 1;
        (line, col)
    }

    /// The span of node number `i` in the `nodes` list.
    pub fn node_span(&self, i: usize) -> Option<Range<usize>> {
        self.node_spans.get(i).cloned()
    }

    /// The span of the `id: "..."` value of a node (where its errors point), else the node.
    pub fn node_id_span(&self, i: usize) -> Option<Range<usize>> {
        let span = self.node_span(i)?;
        self.find(span.clone(), Some("id"), None).or(Some(span.start..span.start + 1))
    }

    /// The tokens wholly inside `within`. Tokens are in text order, so this
    /// is a binary search, not a scan: `check` asks it once per node and
    /// per reference, and a scan made 10k nodes quadratic.
    fn tokens_in(&self, within: &Range<usize>) -> &[Token] {
        let from = self.tokens.partition_point(|t| t.span.start < within.start);
        let to = self.tokens.partition_point(|t| t.span.start < within.end);
        let mut toks = &self.tokens[from..to.max(from)];
        while toks.last().is_some_and(|t| t.span.end > within.end) {
            toks = &toks[..toks.len() - 1];
        }
        toks
    }

    /// Find a string token inside `within`: preceded by `key:` if given, and equal to `value` if given.
    pub fn find(&self, within: Range<usize>, key: Option<&str>, value: Option<&str>) -> Option<Range<usize>> {
        let toks = self.tokens_in(&within);
        toks.iter().enumerate().find_map(|(k, t)| {
            let Tok::Str(s) = &t.tok else { return None };
            if value.is_some_and(|v| v != s) {
                return None;
            }
            if let Some(key) = key {
                let ok = k >= 2 && matches!(toks[k - 1].tok, Tok::Punct(':')) && matches!(&toks[k - 2].tok, Tok::Ident(i) if i == key);
                if !ok {
                    return None;
                }
            }
            Some(t.span.clone())
        })
    }

    /// The span of an identifier key (e.g. `yes`) inside `within`.
    pub fn find_key(&self, within: Range<usize>, key: &str) -> Option<Range<usize>> {
        self.tokens_in(&within).iter().find(|t| matches!(&t.tok, Tok::Ident(i) if i == key)).map(|t| t.span.clone())
    }

    /// The first `key: value` field inside `within`: the key's span and the
    /// value's (a bracketed value through its closer, else one token).
    pub fn field(&self, within: Range<usize>, key: &str) -> Option<(Range<usize>, Range<usize>)> {
        let toks = self.tokens_in(&within);
        let k = toks.windows(2).position(|w| matches!(&w[0].tok, Tok::Ident(i) if i == key) && matches!(w[1].tok, Tok::Punct(':')))?;
        let first = toks.get(k + 2)?;
        if !matches!(first.tok, Tok::Punct('(' | '[' | '{')) {
            return Some((toks[k].span.clone(), first.span.clone()));
        }
        let mut depth = 0usize;
        for t in &toks[k + 2..] {
            match t.tok {
                Tok::Punct('(' | '[' | '{') => depth += 1,
                Tok::Punct(')' | ']' | '}') => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Some((toks[k].span.clone(), first.span.start..t.span.end));
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// Span of the top-level `key: value` (tree fields such as `start`).
    pub fn top_level(&self, key: &str) -> Option<Range<usize>> {
        let first_node = self.node_spans.first().map_or(self.text.len(), |s| s.start);
        self.find(0..first_node, Some(key), None).or_else(|| self.find_key(0..first_node, key))
    }
}

impl SourceFile {
    /// Byte offset of a 1-based line and column (clamped to the text).
    pub fn offset(&self, line: usize, col: usize) -> usize {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else { return self.text.len() };
        let rest = &self.text[start..];
        let within: usize = rest.chars().take(col.saturating_sub(1)).take_while(|c| *c != '\n').map(char::len_utf8).sum();
        start + within
    }
}

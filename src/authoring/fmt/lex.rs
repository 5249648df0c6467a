//! The formatter's tokens: brackets, commas, colons, atoms (names,
//! numbers, strings of every kind) and comments, each with the line breaks
//! before it and its byte offset.

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Open(char),
    Close(char),
    Comma,
    Colon,
    Atom(String),
    /// A comment, with whether a line break came before it.
    Comment(String, bool),
}

/// A token, the line breaks before it, and its byte offset.
pub(super) type Lexed = (Tok, usize, usize);

/// Tokens, each with the number of line breaks before it and its offset.
pub(super) fn lex(src: &str) -> std::result::Result<Vec<Lexed>, (usize, String)> {
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
            // `()` is RON's unit; `( )` an empty tuple, another value.
            b'(' if b.get(i + 1) == Some(&b')') => {
                i += 2;
                Tok::Atom("()".into())
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

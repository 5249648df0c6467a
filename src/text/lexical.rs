//! The two lexical forms of RON that need more than a byte to tell apart,
//! shared by the source scanner (positions for rule errors) and the
//! formatter: nesting block comments and raw strings.

use std::ops::Range;

/// Where the block comment starting at `i` (at its `/*`) ends, past its
/// `*/`; block comments nest in RON. `None` when it is never closed.
pub(crate) fn block_comment_end(b: &[u8], mut i: usize) -> Option<usize> {
    let mut depth = 0usize;
    while i + 1 < b.len() {
        if b[i] == b'/' && b[i + 1] == b'*' {
            depth += 1;
            i += 2;
        } else if b[i] == b'*' && b[i + 1] == b'/' {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return Some(i);
            }
        } else {
            i += 1;
        }
    }
    None
}

/// A raw string (`r"…"`, `r#"…"#`) starting at `i`: its body, and where it
/// ends past its closing quote and hashes (`None` when never closed).
/// `None` when `i` starts no raw string (`r#name` is a raw identifier).
pub(crate) fn raw_string(text: &str, i: usize) -> Option<(Range<usize>, Option<usize>)> {
    let b = text.as_bytes();
    if b.get(i) != Some(&b'r') {
        return None;
    }
    let hashes = b[i + 1..].iter().take_while(|&&h| h == b'#').count();
    if b.get(i + 1 + hashes) != Some(&b'"') {
        return None;
    }
    let body = i + 2 + hashes;
    let close = format!("\"{}", "#".repeat(hashes));
    match text.get(body..).and_then(|s| s.find(&close)) {
        Some(p) => Some((body..body + p, Some(body + p + close.len()))),
        None => Some((body..text.len(), None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_comments_nest() {
        assert_eq!(block_comment_end(b"/* a /* b */ c */ d", 0), Some(17));
        assert_eq!(block_comment_end(b"/* a /* b */", 0), None);
    }

    #[test]
    fn raw_strings_and_raw_identifiers() {
        assert_eq!(raw_string(r##"r#"a"b"# x"##, 0), Some((3..6, Some(8))));
        assert_eq!(raw_string(r#"r"abc"#, 0), Some((2..5, None)));
        assert_eq!(raw_string("r#type: 1", 0), None);
    }
}

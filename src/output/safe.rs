//! Text from a log is the attacker's text: an app's display name anyone can
//! register, a guest's name. Before it reaches a terminal, a spreadsheet or
//! a Markdown ticket it is made inert here, in one place for every output.

use std::borrow::Cow;
use std::io::Write;

/// Characters a terminal or a reader's eye would act on: C0 controls other
/// than newline and tab (ESC starts escape sequences), DEL, C1 controls
/// (U+009B is a one-byte CSI), and the Unicode bidirectional overrides,
/// isolates and marks that reorder what is shown (the "Trojan Source" set),
/// plus the line and paragraph separators.
fn is_unsafe(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every unsafe character shown as `\uXXXX`, so it is visible and
/// inert. The escape is JSON's own, so JSON text stays valid JSON meaning the
/// same thing (serde_json already escapes C0 inside strings; the others
/// never occur outside them).
///
/// ```
/// use signin_doctor::output::terminal_safe;
/// assert_eq!(terminal_safe("Teams\u{1b}]8;;http://x\u{7}"), "Teams\\u001b]8;;http://x\\u0007");
/// assert_eq!(terminal_safe("a\u{202e}txt.exe"), "a\\u202etxt.exe");
/// assert_eq!(terminal_safe("line one\nline two\ttab"), "line one\nline two\ttab");
/// ```
pub fn terminal_safe(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut o = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if is_unsafe(c) {
            o.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            o.push(c);
        }
    }
    Cow::Owned(o)
}

/// A writer that passes text through [`terminal_safe`] on its way out, for
/// streams written in pieces (a UTF-8 character split between two writes is
/// held until it is whole; bytes that are not UTF-8 are shown as `\xNN`).
pub struct SafeWriter<W: Write> {
    inner: W,
    carry: Vec<u8>,
}

impl<W: Write> SafeWriter<W> {
    /// Wrap a writer.
    pub fn new(inner: W) -> Self {
        SafeWriter { inner, carry: Vec::new() }
    }
}

impl<W: Write> Write for SafeWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.carry.extend_from_slice(buf);
        let mut done = 0;
        let mut out = String::new();
        loop {
            match std::str::from_utf8(&self.carry[done..]) {
                Ok(s) => {
                    out.push_str(&terminal_safe(s));
                    done = self.carry.len();
                    break;
                }
                Err(e) => {
                    let good = done + e.valid_up_to();
                    // Only the prefix checked valid is read here.
                    out.push_str(&terminal_safe(&String::from_utf8_lossy(&self.carry[done..good])));
                    match e.error_len() {
                        // Invalid bytes: show them and go on.
                        Some(n) => {
                            for b in &self.carry[good..good + n] {
                                out.push_str(&format!("\\x{b:02x}"));
                            }
                            done = good + n;
                        }
                        // An unfinished character at the end: keep it for the next write.
                        None => {
                            done = good;
                            break;
                        }
                    }
                }
            }
        }
        self.carry.drain(..done);
        self.inner.write_all(out.as_bytes())?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        if !self.carry.is_empty() {
            let rest = std::mem::take(&mut self.carry);
            for b in rest {
                self.inner.write_all(format!("\\x{b:02x}").as_bytes())?;
            }
        }
        self.inner.flush()
    }
}

/// Formula triggers of spreadsheets, with their full-width forms (which
/// Excel in East Asian locales also takes as a formula).
fn is_trigger(c: char) -> bool {
    matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r' | '\u{ff1d}' | '\u{ff0b}' | '\u{ff0d}' | '\u{ff20}')
}

/// Separators a spreadsheet's import may split a cell at: Excel in `;`
/// locales, LibreOffice's separator boxes.
fn is_separator(c: char) -> bool {
    matches!(c, ',' | ';' | '\t' | '|')
}

/// A CSV cell that no spreadsheet runs as a formula, whatever separator its
/// import uses: a `'` goes before a formula trigger at the start of the
/// cell and at the start of every piece an import could split it into
/// (after a separator, and any spaces or quotes after it).
///
/// ```
/// use signin_doctor::output::csv_safe;
/// assert_eq!(csv_safe("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
/// assert_eq!(csv_safe("x;=1000+3"), "x;'=1000+3");
/// assert_eq!(csv_safe("a, \"@SUM(1)"), "a, \"'@SUM(1)");
/// assert_eq!(csv_safe("＝1+2"), "'＝1+2");
/// assert_eq!(csv_safe("alex@contoso.com"), "alex@contoso.com");
/// assert_eq!(csv_safe("2026-11-20T09:14:05Z"), "2026-11-20T09:14:05Z");
/// ```
pub fn csv_safe(s: &str) -> Cow<'_, str> {
    let mut out: Option<String> = None;
    // True at the start of a piece: the cell's start, or after a separator
    // and any spaces or quotes that follow it.
    let mut at_piece_start = true;
    for (i, c) in s.char_indices() {
        if at_piece_start && is_trigger(c) {
            let o = out.get_or_insert_with(|| s[..i].to_string());
            o.push('\'');
        }
        if let Some(o) = out.as_mut() {
            o.push(c);
        }
        at_piece_start = if is_separator(c) { true } else { at_piece_start && matches!(c, ' ' | '"' | '\'') };
    }
    match out {
        Some(o) => Cow::Owned(o),
        None => Cow::Borrowed(s),
    }
}

/// Log text made inert in Markdown: an inline code span, whose content no
/// renderer reads as a link, an image, emphasis, a heading or raw HTML. The
/// fence is longer than any run of backticks inside; line breaks become
/// spaces (nothing can start a new block); `|` is escaped so a table cell
/// stays one cell; and [`terminal_safe`] has run first.
///
/// ```
/// use signin_doctor::output::markdown_code;
/// assert_eq!(markdown_code("[click](http://evil)"), "`[click](http://evil)`");
/// assert_eq!(markdown_code("x\n# Resolved"), "`x # Resolved`");
/// assert_eq!(markdown_code("a`b"), "``a`b``");
/// assert_eq!(markdown_code("`x"), "`` `x ``");
/// assert_eq!(markdown_code("a|b"), "`a\\|b`");
/// ```
pub fn markdown_code(s: &str) -> String {
    let s: String = terminal_safe(s).chars().map(|c| if matches!(c, '\n' | '\r' | '\t') { ' ' } else { c }).collect();
    let s = s.replace('|', "\\|");
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    if s.starts_with('`') || s.ends_with('`') {
        format!("{fence} {s} {fence}")
    } else {
        format!("{fence}{s}{fence}")
    }
}

/// Text that mixes the rules' words with log values (a question filled in
/// from a log) made inert in Markdown, yet read as prose: Markdown's
/// punctuation is backslash-escaped (a renderer shows it as it is, but makes
/// no link, image, emphasis or code of it), `<` and `&` become entities (no
/// raw HTML), and line breaks become spaces, after [`terminal_safe`].
///
/// ```
/// use signin_doctor::output::markdown_text;
/// assert_eq!(markdown_text("Is x [a](http://e) <img>?"), "Is x \\[a\\](http://e) &lt;img&gt;?");
/// assert_eq!(markdown_text("ok\n# Done"), "ok \\# Done");
/// ```
pub fn markdown_text(s: &str) -> String {
    let s = terminal_safe(s);
    let mut o = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            // `(` and `)` are left: they make a link only after a `]`, which is escaped.
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '!' | '|' | '~' => {
                o.push('\\');
                o.push(c);
            }
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '\n' | '\r' | '\t' => o.push(' '),
            _ => o.push(c),
        }
    }
    o
}

/// Lines shown verbatim in Markdown: a fenced code block whose fence is
/// longer than any run of backticks in the text, so nothing inside can end
/// it or be rendered.
pub fn markdown_block(lines: &[String]) -> String {
    let text: String = lines.iter().map(|l| format!("{}\n", terminal_safe(l))).collect();
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat((longest + 1).max(3));
    format!("{fence}text\n{text}{fence}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_writer_holds_a_split_character_and_shows_bad_bytes() -> Result<(), Box<dyn std::error::Error>> {
        let mut w = SafeWriter::new(Vec::new());
        let e_acute = "é".as_bytes();
        w.write_all(&[b'a', e_acute[0]])?;
        w.write_all(&[e_acute[1], 0x1b, b'[', b'2', b'J', 0xff, b'z'])?;
        w.write_all("\u{9b}".as_bytes())?;
        w.flush()?;
        assert_eq!(String::from_utf8(w.inner)?, "aé\\u001b[2J\\xffz\\u009b");
        Ok(())
    }

    #[test]
    fn json_stays_json_meaning_the_same() -> Result<(), Box<dyn std::error::Error>> {
        let v = serde_json::json!({"app": "x\u{9b}31m\u{202e}y\u{1b}"});
        let text = serde_json::to_string(&v)?;
        let safe = terminal_safe(&text);
        assert!(!safe.chars().any(is_unsafe));
        let back: serde_json::Value = serde_json::from_str(&safe)?;
        assert_eq!(back, v);
        Ok(())
    }

    #[test]
    fn a_block_cannot_be_closed_from_inside() -> Result<(), Box<dyn std::error::Error>> {
        let b = markdown_block(&["1. app ```".to_string(), "```".to_string(), "<b>x</b>".to_string()]);
        assert!(b.starts_with("````text\n") && b.ends_with("\n````\n"), "{b}");
        Ok(())
    }
}

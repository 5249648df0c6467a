//! The splitter on every shape, at chunk boundaries, and its structure errors.

use super::*;

fn split(text: &str) -> Result<Vec<(String, usize, usize)>, String> {
    // Tiny chunks exercise records that span buffer refills.
    let mut s = Splitter::new(text.as_bytes());
    s.buf = vec![0; 8];
    s.chunk = 8;
    let mut out = Vec::new();
    loop {
        match s.next_batch(2) {
            Ok(Some(b)) => {
                // Line mode hands over a chunk of whole lines, however many.
                assert!(s.lines || b.spans.len() <= 2, "a batch of {} records where 2 were asked for", b.spans.len());
                for sp in &b.spans {
                    out.push((String::from_utf8_lossy(b.record(sp)).into_owned(), sp.number, sp.line));
                    assert_eq!(&text.as_bytes()[sp.offset as usize..sp.offset as usize + (sp.end - sp.start)], b.record(sp));
                }
            }
            Ok(None) => return Ok(out),
            Err(e) => return Err(format!("{}:{}", e.line, e.message)),
        }
    }
}

#[test]
fn shapes() -> Result<(), Box<dyn std::error::Error>> {
    let rec = |s: &str| s.to_string();
    assert_eq!(split("{\"a\":1}\n{\"b\":\"}\\\"{\"}\n")?, vec![(rec("{\"a\":1}"), 1, 1), (rec("{\"b\":\"}\\\"{\"}"), 2, 2)]);
    assert_eq!(split("[\n {\"a\":[1,2]},\n {\"b\":{}}\n]")?, vec![(rec("{\"a\":[1,2]}"), 1, 2), (rec("{\"b\":{}}"), 2, 3)]);
    let page = "{\"@odata.context\":\"x\",\"value\":[{\"id\":\"1\",\"value\":[3]},{\"id\":\"2\"}],\"@odata.nextLink\":\"y\"}";
    assert_eq!(split(page)?.iter().map(|r| r.0.clone()).collect::<Vec<_>>(), vec!["{\"id\":\"1\",\"value\":[3]}", "{\"id\":\"2\"}"]);
    let am = "{\"records\":[{\"time\":\"t\",\"properties\":{\"id\":\"1\"}}]}";
    assert_eq!(split(am)?[0].0, "{\"time\":\"t\",\"properties\":{\"id\":\"1\"}}");
    // An object with a `value` that is not an array is a record.
    assert_eq!(split("{\"value\":\"x\",\"id\":1}")?[0].0, "{\"value\":\"x\",\"id\":1}");
    assert_eq!(split("")?, vec![]);
    Ok(())
}

#[test]
fn line_mode() -> Result<(), Box<dyn std::error::Error>> {
    let jsonl = "{\"a\":1}\n{\"b\":2}\n\n{\"c\":\"x\"}";
    assert_eq!(split(jsonl)?, vec![("{\"a\":1}".into(), 1, 1), ("{\"b\":2}".into(), 2, 2), ("{\"c\":\"x\"}".into(), 3, 4)]);
    let arr = "[\n{\"a\":1},\n{\"b\":[1,2]},\n{\"c\":3}\n]\n";
    assert_eq!(split(arr)?, vec![("{\"a\":1}".into(), 1, 2), ("{\"b\":[1,2]}".into(), 2, 3), ("{\"c\":3}".into(), 3, 4)]);
    let page = "{\"@odata.context\":\"x\",\"value\":[\n  {\"a\":1},\n  {\"b\":2}\n],\n\"@odata.nextLink\":\"y\"}";
    assert_eq!(split(page)?.iter().map(|r| r.0.clone()).collect::<Vec<_>>(), vec!["{\"a\":1}", "{\"b\":2}"]);
    // Pretty-printed records keep the structural scanner.
    let pretty = "[\n {\n  \"a\": 1\n },\n {\n  \"b\": 2\n }\n]";
    assert_eq!(split(pretty)?.len(), 2);
    Ok(())
}

#[test]
fn a_line_longer_than_the_record_limit_is_an_error_at_its_start() -> Result<(), Box<dyn std::error::Error>> {
    let text = "{\"a\":1}\n{\"b\":\"0123456789012345678901234567890123456789\"}\n";
    let mut s = Splitter::new(text.as_bytes());
    s.buf = vec![0; 8];
    s.chunk = 8;
    s.max_record = 16;
    // The whole file fails (a structure error, not a bad record).
    let err = loop {
        match s.next_batch(2) {
            Ok(Some(_)) => {}
            Ok(None) => panic!("no error"),
            Err(e) => break e,
        }
    };
    assert_eq!((err.line, err.offset, err.message.as_str()), (2, 8, "a record is larger than 256 MiB"));
    Ok(())
}

#[test]
fn a_byte_order_mark_is_skipped_and_offsets_stay_true() -> Result<(), Box<dyn std::error::Error>> {
    let jsonl = "\u{feff}{\"a\":1}\n{\"b\":2}\n";
    assert_eq!(split(jsonl)?, vec![("{\"a\":1}".into(), 1, 1), ("{\"b\":2}".into(), 2, 2)]);
    assert_eq!(split("\u{feff}[{\"a\":1},{\"b\":2}]")?.len(), 2);
    Ok(())
}

#[test]
fn commas_between_records_are_checked_as_json_does() -> Result<(), Box<dyn std::error::Error>> {
    // Structural mode (records on one line) and line mode (one per line).
    for text in ["[{\"a\":1},{\"b\":2},]", "[\n{\"a\":1},\n{\"b\":2},\n]\n", "{\"value\":[{\"a\":1},]}"] {
        assert!(split(text).unwrap_err().contains("a comma after the last record"), "{text}");
    }
    for text in ["[{\"a\":1} {\"b\":2}]", "[\n{\"a\":1}\n{\"b\":2}\n]\n"] {
        assert!(split(text).unwrap_err().contains("no comma between"), "{text}");
    }
    assert!(split("[,{\"a\":1}]").unwrap_err().contains("a comma where record 1 should be"));
    assert_eq!(split("[\n{\"a\":1},\n{\"b\":2}\n]\n")?.len(), 2);
    Ok(())
}

#[test]
fn structure_errors() -> Result<(), Box<dyn std::error::Error>> {
    assert!(split("[1, 2]").unwrap_err().contains("expected an object"));
    assert!(split("{\"a\": 1").unwrap_err().contains("ends in the middle"));
    assert!(split("hello").unwrap_err().contains("expected a JSON object or array"));
    Ok(())
}

#[test]
fn an_escape_at_the_end_of_a_read_waits_for_the_next_read() -> Result<(), Box<dyn std::error::Error>> {
    // With 8-byte reads, the backslash falls at every position of a chunk in turn.
    for pad in 0..10 {
        let text = format!("{{\"a\":\"{}\\\"q\\\\\"}}\n{{\"b\":1}}\n", "x".repeat(pad));
        assert_eq!(split(&text)?.len(), 2, "{text}");
    }
    assert!(split("{\"a\":\"\\").unwrap_err().contains("ends inside a string"));
    Ok(())
}

#[test]
fn arrays_and_pages_in_any_layout_json_allows() -> Result<(), Box<dyn std::error::Error>> {
    let (a, b) = ("{\"a\":1}", "{\"b\":[1,{\"c\":2}]}");
    for text in [format!("[\n{a},\n{b}]\n"), format!("[\n{a}\n,{b}\n]\n"), format!("[\n{a},\n{{\"b\":\n  2}}\n]\n"), format!("{{\"value\":[\n{a},\n{b}]}}")] {
        assert_eq!(split(&text)?.len(), 2, "{text}");
    }
    // Several arrays or pages one after another: every record of each.
    assert_eq!(split(&format!("[\n{a},\n{b}\n]\n[\n{a}\n]\n"))?.len(), 3);
    assert_eq!(split(&format!("{{\"value\":[\n{a}\n]}}\n{{\"value\":[\n{b}\n]}}"))?.len(), 2);
    // A cut-short array is an error, not the records so far.
    assert!(split(&format!("[\n{a},\n{b},\n")).unwrap_err().contains("ends in the middle"));
    Ok(())
}

#[test]
fn json_lines_hold_one_whole_object_per_line() -> Result<(), Box<dyn std::error::Error>> {
    let e = split("{\"a\":1}\n{\"b\":\n 2}\n").unwrap_err();
    assert!(e.contains("line 2 is not one whole JSON object"), "{e}");
    let e = split("{\"a\":1}\n{\"b\":2}\n{\"c\":").unwrap_err();
    assert!(e.contains("line 3 is not one whole JSON object") && e.contains("cut short"), "{e}");
    Ok(())
}

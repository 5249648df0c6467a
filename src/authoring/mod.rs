//! The rule authoring kit: case files, coverage in decision paths, pictures
//! of the trees, and every path to a diagnosis.

mod case_check;
mod cases;
mod coverage;
mod new_case;

pub use case_check::check_cases;
pub use cases::{Case, CaseRun, Divergence, Expect, Input, OrgInput, Select};
pub use coverage::{Count, Coverage, Missing};
pub use new_case::{case_from_log, NewCase, WHOLE_LOG_MAX};
mod explain;
mod fmt;
pub use fmt::{format_ron, WIDTH};
mod graph;
mod mermaid;
mod parts;
mod pictures;

pub use explain::{explain, PathStep};
pub use graph::{dot, dot_part, svg_comment, DotFlavour, Highlight};
#[cfg(feature = "svg")]
pub use graph::{svg, svg_part};
pub use mermaid::{mermaid, mermaid_part};
pub use parts::{parts, Part, HUB, LIMIT};
pub use pictures::{pictures, SvgPicture};

/// A place in a rule file, as separate fields.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Place {
    /// The rule file.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

impl Place {
    /// Read `file:line:col` (the file may itself hold colons).
    pub fn parse(location: &str) -> Option<Place> {
        let mut it = location.rsplitn(3, ':');
        let column = it.next()?.parse().ok()?;
        let line = it.next()?.parse().ok()?;
        let file = it.next()?.to_string();
        Some(Place { file, line, column })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_place_is_read_from_the_right() {
        assert_eq!(super::Place::parse("rules/10-mfa.ron:12:5"), Some(super::Place { file: "rules/10-mfa.ron".into(), line: 12, column: 5 }));
        assert_eq!(super::Place::parse("C:/rules/a.ron:3:1").map(|p| p.file), Some("C:/rules/a.ron".into()));
        assert_eq!(super::Place::parse("nowhere"), None);
    }
}

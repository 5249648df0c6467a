//! The rule authoring kit: case files, coverage in decision paths, pictures
//! of the trees, and every path to a diagnosis.

mod cases;
mod coverage;

pub use cases::{Case, CaseRun, Divergence, Expect, Input, OrgInput, Select};
pub use coverage::{Coverage, Missing};
mod explain;
mod graph;

pub use explain::{explain, PathStep};
pub use graph::{dot, mermaid, DotFlavour, Highlight};
#[cfg(feature = "svg")]
pub use graph::{pictures, svg};

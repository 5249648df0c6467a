//! The pictures of the shipped trees in docs/trees are current.

#[test]
fn docs_trees_are_current() {
    let rules = signin_doctor::Rules::embedded().unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/trees");
    let fix = "regenerate them with: cargo run --release -- graph --out-dir docs/trees";
    let expected = signin_doctor::authoring::pictures(&rules).unwrap();
    for (name, text) in &expected {
        let committed = std::fs::read_to_string(dir.join(name)).unwrap_or_else(|_| panic!("docs/trees/{name} is missing; {fix}"));
        assert!(committed == *text, "docs/trees/{name} is stale; {fix}");
    }
    let count = std::fs::read_dir(&dir).unwrap().filter(|e| e.as_ref().unwrap().path().file_name().is_some_and(|n| n != "README.md")).count();
    assert_eq!(count, expected.len(), "docs/trees has pictures of trees that no longer exist; {fix}");
}

//! Time of loading and checking rules (`signin-doctor check`) on generated
//! chains of 10k and 100k checks, against a reference in the same run:
//! parsing the same text into a `ron::Value` and nothing else (the parse
//! limit). Targets (hardening issue): 10k nodes under 1 s, 100k under 10 s.
//!
//! ```sh
//! cargo bench --bench check
//! ```

use std::time::Instant;

fn shipped() -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/rules"))
        .expect("rules/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .map(|p| (p.display().to_string(), std::fs::read_to_string(&p).expect("readable")))
        .collect();
    v.sort();
    v
}

/// The shipped rules plus a chain of `n` checks entered from the triage tree.
fn chain(n: usize) -> Vec<(String, String)> {
    let mut sources = shipped();
    if let Some(t) = sources.iter_mut().find(|(n, _)| n.ends_with("00-triage.ron")) {
        t.1 = t.1.replacen("no: \"risk\",", "no: \"n0\",", 1);
    }
    let mut big = String::from("Tree(id: \"big\", title: \"Big\", description: \"generated\", start: \"n0\", nodes: [\n");
    for i in 0..n {
        let next = if i + 1 < n { format!("n{}", i + 1) } else { "risk".to_string() };
        big.push_str(&format!(
            "  Check(id: \"n{i}\", label: \"Is it {i}?\", when: Any([Eq(\"signin.error_code\", {i}), Matches(\"signin.app\", \"^app{}$\")]), yes: \"not-registered-for-mfa\", no: \"{next}\", unknown: \"{next}\"),\n",
            i % 500
        ));
    }
    big.push_str("])\n");
    sources.push(("rules/50-big.ron".into(), big));
    sources
}

fn best<F: FnMut()>(runs: usize, mut f: F) -> f64 {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    for (n, target) in [(10_000usize, 1.0f64), (100_000, 10.0)] {
        let sources = chain(n);
        let reference = best(3, || {
            for (_, text) in &sources {
                let v: ron::Value = ron::from_str(text).expect("the generated rules parse");
                std::hint::black_box(v);
            }
        });
        let check = best(3, || {
            let rules = signin_doctor::Rules::from_sources(sources.clone()).expect("the generated rules are valid");
            std::hint::black_box(rules);
        });
        let verdict = if check < target { "met" } else { "NOT MET" };
        println!("check {n:>6} nodes: {check:.3} s; RON parse alone {reference:.3} s; ratio {:.2}x; target < {target} s: {verdict}", check / reference);
    }
}

//! Helpers of the tests that load the shipped scenarios.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use taosim::scenario::Scenario;

/// The `*.yaml` files under `dir`, recursively.
pub fn scenario_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            scenario_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
}

/// Every `*.yaml` under `scenarios/`, sorted.
pub fn all_scenarios() -> Vec<PathBuf> {
    let mut files = Vec::new();
    scenario_files(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .as_path(),
        &mut files,
    );
    files.sort();
    files
}

/// The scenario cut to its first `epochs` epochs of the first subnet (plus half a tempo).
pub fn shortened(mut s: Scenario, epochs: u64) -> Scenario {
    let tempo = u64::from(s.subnets[0].tempo);
    s.blocks = s.blocks.min(epochs * tempo + tempo / 2);
    s
}

//! The house rules of the architecture that a compiler does not check.
//!
//! `src/chain` is the pure, chain-faithful core: it may use `substrate-fixed`, the big-integer
//! crates `num-bigint`/`num-integer`/`num-traits` (for `chain::bigmath`), `core`/`alloc`/`std`
//! (but not `std::fs`, `std::io`, `std::env`, `std::net`, `std::process`, `std::thread`) and
//! itself — never an ECS, IO, randomness, serde, data frames, plotting or parallelism, and
//! never the modules above it. Test modules inside it (`#[cfg(test)]` blocks and `tests.rs`
//! files) may also use `proptest`.

use std::path::{Path, PathBuf};

/// Crates `src/chain` may name (besides itself through `crate::chain`, `super` and `self`).
const ALLOWED_CRATES: &[&str] = &[
    "substrate_fixed",
    "num_bigint",
    "num_integer",
    "num_traits",
    "std",
    "core",
    "alloc",
];
/// Additional crates allowed inside `#[cfg(test)]` modules.
const TEST_CRATES: &[&str] = &["proptest", "prop"];
/// Standard-library modules that would bring IO, environment or threads into the chain.
const FORBIDDEN_STD: &[&str] = &["fs", "io", "env", "net", "process", "thread"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir)
        .expect("src/chain is readable")
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a line: comments and string literals are not imports.
fn code_of(line: &str) -> &str {
    let code = line.split("//").next().unwrap_or("");
    code.split('"').next().unwrap_or("")
}

/// Crate-like path roots used on a line: the first segment of every `a::b` path and every
/// `use a` / `extern crate a`.
fn path_roots(code: &str) -> Vec<String> {
    let mut roots = Vec::new();
    let bytes: Vec<char> = code.chars().collect();
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut i = 0;
    while i < bytes.len() {
        if is_ident(bytes[i]) && (i == 0 || !is_ident(bytes[i - 1]) && bytes[i - 1] != ':') {
            let start = i;
            while i < bytes.len() && is_ident(bytes[i]) {
                i += 1;
            }
            let word: String = bytes[start..i].iter().collect();
            let followed_by_path = bytes.get(i) == Some(&':')
                && bytes.get(i + 1) == Some(&':')
                && bytes.get(i + 2) != Some(&'<');
            let is_method = start > 0 && bytes[start - 1] == '.';
            if followed_by_path && !is_method {
                roots.push(word);
            }
        } else {
            i += 1;
        }
    }
    for prefix in ["use ", "extern crate "] {
        if let Some(rest) = code.trim_start().strip_prefix(prefix) {
            let root: String = rest.chars().take_while(|c| is_ident(*c)).collect();
            if !root.is_empty() {
                roots.push(root);
            }
        }
    }
    roots
}

/// Violations in one file: (line number, offending text).
fn violations(path: &Path) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(path).expect("chain source is readable");
    let mut found = Vec::new();
    // A `tests.rs` file is a test module of its own (`#[cfg(test)] mod tests;` in its parent).
    let mut in_tests = path.file_name().is_some_and(|n| n == "tests.rs");
    for (number, line) in text.lines().enumerate() {
        if line.contains("#[cfg(test)]") {
            in_tests = true;
        }
        let code = code_of(line);
        let segments: Vec<&str> = code.split("::").map(str::trim).collect();
        for pair in segments.windows(2) {
            let std_module = pair[1]
                .split(|c: char| !c.is_alphanumeric() && c != '_')
                .next();
            if pair[0].ends_with("std") && std_module.is_some_and(|m| FORBIDDEN_STD.contains(&m)) {
                found.push((number + 1, line.trim().to_string()));
            }
        }
        for root in path_roots(code) {
            let local = ["crate", "super", "self", "Self"].contains(&root.as_str());
            let is_crate_path = code.contains(&format!("crate::{root}"));
            let allowed = ALLOWED_CRATES.contains(&root.as_str())
                || (in_tests && TEST_CRATES.contains(&root.as_str()));
            let lowercase = root.chars().next().is_some_and(|c| c.is_lowercase());
            if lowercase && !local && !allowed && !is_crate_path && !is_module_of_chain(&root) {
                found.push((number + 1, line.trim().to_string()));
            }
        }
        if code.contains("crate::") && !code.contains("crate::chain") {
            found.push((number + 1, line.trim().to_string()));
        }
    }
    found
}

/// Names a chain file may use unqualified after importing them: the chain's own modules (the
/// file and directory names under `src/chain`) and the primitive types whose associated
/// functions appear as `u64::MAX`, `i128::from`, ...
fn is_module_of_chain(root: &str) -> bool {
    const PRIMITIVES: &[&str] = &[
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
        "f64",
    ];
    PRIMITIVES.contains(&root) || chain_modules().iter().any(|m| m == root)
}

/// The module names of `src/chain` (file stems and directory names), read once.
fn chain_modules() -> &'static [String] {
    static MODULES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    MODULES.get_or_init(|| {
        let mut files = Vec::new();
        rust_files(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/chain"),
            &mut files,
        );
        let mut names: Vec<String> = files
            .iter()
            .flat_map(|f| {
                let stem = f.file_stem().map(|s| s.to_string_lossy().into_owned());
                let dir = f
                    .parent()
                    .and_then(|d| d.file_name())
                    .map(|d| d.to_string_lossy().into_owned());
                [stem, dir]
            })
            .flatten()
            .filter(|name| name != "mod")
            .collect();
        names.sort();
        names.dedup();
        names
    })
}

#[test]
fn chain_is_pure() {
    let mut files = Vec::new();
    rust_files(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src/chain")
            .as_path(),
        &mut files,
    );
    assert!(files.len() >= 10, "src/chain should hold the epoch core");
    let mut report = Vec::new();
    for file in &files {
        for (line, text) in violations(file) {
            report.push(format!("{}:{line}: {text}", file.display()));
        }
    }
    assert!(
        report.is_empty(),
        "src/chain must stay pure:\n{}",
        report.join("\n")
    );
}

#[test]
fn the_purity_check_catches_forbidden_imports() {
    let dir = std::env::temp_dir().join(format!("taosim-arch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let samples = [
        "use serde::Serialize;",
        "use rand::Rng;",
        "let f = std::fs::read(p);",
        "use std::io::Write;",
        "use crate::epoch_json::parse_input;",
        "let w = bevy_ecs::world::World::new();",
        "use rayon::prelude::*;",
    ];
    for (k, sample) in samples.iter().enumerate() {
        let file = dir.join(format!("sample{k}.rs"));
        std::fs::write(&file, format!("{sample}\n")).expect("write sample");
        assert!(!violations(&file).is_empty(), "not caught: {sample}");
    }
    let clean = dir.join("clean.rs");
    let ok = "use super::fixed::{I32F32, ZERO};\nuse substrate_fixed::transcendental::exp;\n\
              // a comment naming serde:: is fine\nlet x = u64::MAX;\n";
    std::fs::write(&clean, ok).expect("write sample");
    assert_eq!(violations(&clean), Vec::new());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Each layer above the chain and what its code may not name (architecture.md: `sim` never
/// touches files, `report` never reaches into `sim` or `chain`, polars stays in `report`,
/// strategies are plain Rust testable without a World, metrics are pure and deterministic
/// functions of the rows).
const LAYER_RULES: &[(&str, &[&str])] = &[
    (
        "src/sim",
        &[
            "std::fs",
            "polars",
            "plotters",
            "ThreadPool",
            "thread::spawn",
            "crate::report",
            "File::",
        ],
    ),
    (
        "src/strategy",
        &[
            "bevy_ecs",
            "polars",
            "std::fs",
            "serde",
            "crate::sim",
            "crate::scenario",
            "crate::report",
        ],
    ),
    (
        "src/scenario",
        &["bevy_ecs", "polars", "crate::sim", "crate::report"],
    ),
    (
        "src/report",
        &["bevy_ecs", "crate::sim", "crate::chain", "crate::scenario"],
    ),
    ("src/record.rs", &["polars", "bevy_ecs", "crate::"]),
    (
        "src/runner.rs",
        &[
            "polars",
            "plotters",
            "std::fs",
            "crate::report",
            "crate::cli",
        ],
    ),
    (
        "src/metrics",
        &[
            "polars",
            "plotters",
            "bevy_ecs",
            "std::fs",
            "rand",
            "HashMap",
            "crate::sim",
            "crate::report",
        ],
    ),
];

/// `(file, line, text)` of every forbidden name in the files under `root`.
fn layer_violations(root: &Path, forbidden: &[&str]) -> Vec<String> {
    let mut files = Vec::new();
    if root.is_dir() {
        rust_files(root, &mut files);
    } else {
        files.push(root.to_path_buf());
    }
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("source is readable");
        for (number, line) in text.lines().enumerate() {
            let code = code_of(line);
            if forbidden.iter().any(|f| code.contains(f)) {
                found.push(format!(
                    "{}:{}: {}",
                    file.display(),
                    number + 1,
                    line.trim()
                ));
            }
        }
    }
    found
}

#[test]
fn layers_keep_to_their_dependencies() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut report = Vec::new();
    for (dir, forbidden) in LAYER_RULES {
        let path = src.join(dir);
        assert!(path.exists(), "{dir} exists");
        report.extend(layer_violations(&path, forbidden));
    }
    // polars only inside src/report.
    let mut files = Vec::new();
    rust_files(&src.join("src"), &mut files);
    for file in files
        .iter()
        .filter(|f| !f.starts_with(src.join("src/report")))
    {
        report.extend(layer_violations(file, &["polars"]));
    }
    assert!(
        report.is_empty(),
        "layer rules broken:\n{}",
        report.join("\n")
    );
}

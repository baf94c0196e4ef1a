//! `taosim scenarios`: every scenario file under a directory, validated (its sweep section
//! too), one line each.
//!
//! May depend on: `scenario`, `echo`, the api's error.

use crate::api::Error;
use crate::echo::echo_path;
use crate::scenario::{self, sweep::SweepPlan};
use std::path::{Path, PathBuf};

/// `taosim scenarios`: one line per file (name, what it runs — see [`describe`] — or the error);
/// its sweep section is validated too. Exit code 2 if any file is invalid.
pub fn scenarios(dir: &Path) -> Result<(), Error> {
    let mut files = Vec::new();
    collect_yaml(dir, &mut files).map_err(|e| Error::Input(format!("{}: {e}", echo_path(dir))))?;
    files.sort();
    let mut bad = 0;
    for path in &files {
        let origin = path.display().to_string();
        let checked = scenario::load(path)
            .and_then(|s| Ok((s.name.clone(), describe(&SweepPlan::new(s, &origin)?))));
        match checked {
            Ok((name, what)) => println!("ok    {name:<40} {what}  {origin}"),
            Err(e) => {
                bad += 1;
                println!("error {e}");
            }
        }
    }
    if bad > 0 {
        return Err(Error::Input(format!(
            "{bad} of {} scenario files are invalid",
            files.len()
        )));
    }
    Ok(())
}

/// What a scenario file runs, in one column-aligned phrase: its network (blocks, subnets,
/// agents) or, for a consensus experiment, its epoch (uids); then the sweep, if any, as points ×
/// replicates.
fn describe(plan: &SweepPlan) -> String {
    let s = &plan.base;
    let what = match &s.consensus {
        Some(c) => format!("{:>25} consensus epoch", format!("{} uids", c.neurons)),
        None => format!(
            "{:>9} blocks {:>3} subnets {:>5} agents",
            s.blocks,
            s.subnets.len(),
            s.agents.len()
        ),
    };
    let runs = plan.points() * u64::from(plan.replicates);
    if runs == 1 {
        return format!("{what}{:32}", "");
    }
    let sweep = format!("{} points × {} replicates", plan.points(), plan.replicates);
    format!("{what}  sweep {sweep:>24}")
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_yaml(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
    Ok(())
}

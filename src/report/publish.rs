//! Whole-or-nothing publication of an output directory: everything is written into a
//! temporary sibling, which then takes the target's place in one step.
//!
//! The sequence, for a target `P/T`:
//! 1. [`Staging::begin`]: `T` must be absent or a directory (a file is an error). Leftovers of
//!    killed processes for the same target — `P/.T.tmp-PID`, `P/.T.old-PID` and `P/T.old-PID`
//!    (the name of earlier versions), whose process `PID` is gone — are removed; if `T` itself
//!    is missing, an `.old` leftover (a complete previous directory, see 4.) is renamed back to
//!    `T` first. Each is reported in [`Staging::notes`]. Then `P/.T.tmp-PID` is created empty.
//! 2. The caller writes everything into [`Staging::path`]: tables, manifest, summary, charts,
//!    `report.md`. Dropping the `Staging` before step 3 removes it.
//! 3. [`Staging::publish`]: without a `T`, `rename(tmp, T)`. With one,
//!    `renameat2(tmp, T, RENAME_EXCHANGE)` swaps the two atomically: `T` is the new complete
//!    directory, `.T.tmp-PID` the previous one, which is then removed.
//! 4. Where the exchange is not supported (not Linux, or a filesystem without it), `T` is
//!    renamed to `.T.old-PID`, then the temporary directory to `T`, then the old one removed.
//!
//! So at every instant `P/T` is the previous complete directory or the new complete one
//! (under 4., a kill between its two renames leaves the previous one as `.T.old-PID`, which the
//! next publication of `T` renames back). A kill leaves at most leftovers, which the next
//! publication of `T` removes.
//!
//! Test hook (test-only behaviour, not for users): with `TAOSIM_TEST_KILL_AT=<step>` the process
//! SIGKILLs itself at that step, with `TAOSIM_TEST_FAIL_AT=<step>` the step fails as on a full
//! disk. Steps: `tables` (tables written), `chart` (each chart written), `report` (before
//! `report.md`), `publish` (before the exchange), `exchanged` (before the old one is removed;
//! kill only).
//!
//! May depend on: libc (Linux `renameat2`, process liveness), std.

use super::ReportError;
use std::io;
use std::path::{Path, PathBuf};

/// A directory being written beside its target, published whole by [`Staging::publish`] and
/// removed if dropped before.
#[derive(Debug)]
pub struct Staging {
    target: PathBuf,
    tmp: PathBuf,
    notes: Vec<String>,
    published: bool,
}

impl Staging {
    /// Checks `target`, clears leftovers of killed runs for it and creates an empty temporary
    /// directory beside it (creating its parent). Errors are [`ReportError::Output`].
    pub fn begin(target: &Path) -> Result<Staging, ReportError> {
        let target = resolve(target)?;
        let output = |message: String| ReportError::Output {
            path: target.clone(),
            message,
        };
        let (parent, name) = split(&target)?;
        std::fs::create_dir_all(&parent).map_err(|e| output(format!("cannot create: {e}")))?;
        let notes = clear_leftovers(&parent, &name, &target)
            .map_err(|e| output(format!("cannot clear leftovers: {e}")))?;
        ensure_directory_or_absent(&target)?;
        let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        std::fs::create_dir(&tmp).map_err(|e| output(format!("not writable: {e}")))?;
        Ok(Staging {
            target,
            tmp,
            notes,
            published: false,
        })
    }

    /// Like [`Staging::begin`], with the temporary directory filled with a copy of the
    /// existing directory `target` (hard links where possible), leaving out the files `skip`
    /// says to leave out (paths relative to `target`).
    pub fn copy_of(target: &Path, skip: &dyn Fn(&Path) -> bool) -> Result<Staging, ReportError> {
        if !target.is_dir() {
            return Err(ReportError::Read {
                path: target.to_path_buf(),
                message: "not a directory".into(),
            });
        }
        let staging = Staging::begin(target)?;
        link_tree(&staging.target, &staging.tmp, Path::new(""), skip)
            .map_err(|e| write_error(&staging.target, e))?;
        Ok(staging)
    }

    /// The temporary directory to write into.
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// The target directory.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// One line per leftover of an earlier killed run that was removed or restored.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Puts the temporary directory in the target's place (see the module docs); the previous
    /// target survives until then. On failure the temporary directory is removed.
    pub fn publish(mut self) -> Result<(), ReportError> {
        checkpoint("publish").map_err(|e| write_error(&self.target, e))?;
        ensure_directory_or_absent(&self.target)?;
        let swapped = if self.target.exists() {
            match exchange(&self.tmp, &self.target) {
                Ok(()) => true,
                Err(e) if unsupported(&e) => {
                    replace_by_renames(&self.tmp, &self.target)?;
                    false
                }
                Err(e) => return Err(write_error(&self.target, e)),
            }
        } else {
            std::fs::rename(&self.tmp, &self.target).map_err(|e| write_error(&self.target, e))?;
            false
        };
        self.published = true;
        if swapped {
            // The new directory is in place: an injected failure cannot undo that (kill only).
            let _ = checkpoint("exchanged");
            // `tmp` now holds the previous directory; a failure here leaves a leftover that
            // the next publication removes.
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.published {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

/// Writes `bytes` to `path` whole-or-nothing: into a temporary sibling, then renamed.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let (parent, name) = split(path)?;
    let _ = clear_leftovers(&parent, &name, path);
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|e| write_error(path, e))
}

/// The test hook of the module docs at `step`.
pub fn checkpoint(step: &str) -> io::Result<()> {
    if std::env::var_os("TAOSIM_TEST_KILL_AT").is_some_and(|s| s == step) {
        kill_self();
    }
    if std::env::var_os("TAOSIM_TEST_FAIL_AT").is_some_and(|s| s == step) {
        return Err(io::Error::new(
            io::ErrorKind::StorageFull,
            format!("no space left on device (injected at step `{step}`)"),
        ));
    }
    Ok(())
}

#[cfg(unix)]
fn kill_self() -> ! {
    // SAFETY: `kill` with our own pid and a valid signal number has no memory effects.
    unsafe {
        libc::kill(libc::getpid(), libc::SIGKILL);
    }
    std::process::abort()
}

#[cfg(not(unix))]
fn kill_self() -> ! {
    std::process::abort()
}

fn write_error(path: &Path, e: impl std::fmt::Display) -> ReportError {
    ReportError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// A symbolic link to a directory is published through: its destination is the target.
fn resolve(target: &Path) -> Result<PathBuf, ReportError> {
    let is_link = std::fs::symlink_metadata(target).is_ok_and(|m| m.file_type().is_symlink());
    if is_link && target.is_dir() {
        return std::fs::canonicalize(target).map_err(|e| ReportError::Output {
            path: target.to_path_buf(),
            message: e.to_string(),
        });
    }
    Ok(target.to_path_buf())
}

/// The parent (`.` for a bare name) and the file name of `path`.
fn split(path: &Path) -> Result<(PathBuf, String), ReportError> {
    let name = path.file_name().ok_or_else(|| ReportError::Output {
        path: path.to_path_buf(),
        message: "has no file name".into(),
    })?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((parent, name.to_string_lossy().into_owned()))
}

fn ensure_directory_or_absent(target: &Path) -> Result<(), ReportError> {
    match std::fs::symlink_metadata(target) {
        Ok(m) if !target.is_dir() => Err(ReportError::Output {
            path: target.to_path_buf(),
            message: format!(
                "exists and is not a directory ({}); remove it or choose another --out",
                if m.file_type().is_symlink() {
                    "a symbolic link"
                } else {
                    "a file"
                }
            ),
        }),
        _ => Ok(()),
    }
}

/// Whether `e` says the exchange is not available here (then renames are used).
fn unsupported(e: &io::Error) -> bool {
    #[cfg(unix)]
    let codes = [libc::EINVAL, libc::ENOSYS, libc::EOPNOTSUPP];
    #[cfg(not(unix))]
    let codes: [i32; 0] = [];
    e.kind() == io::ErrorKind::Unsupported || e.raw_os_error().is_some_and(|c| codes.contains(&c))
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both pointers are NUL-terminated strings that outlive the call; AT_FDCWD makes
    // relative paths relative to the working directory, as `std::fs::rename` does.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// Step 4 of the module docs.
fn replace_by_renames(tmp: &Path, target: &Path) -> Result<(), ReportError> {
    let (parent, name) = split(target)?;
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    std::fs::rename(target, &old).map_err(|e| write_error(target, e))?;
    if let Err(e) = std::fs::rename(tmp, target) {
        let _ = std::fs::rename(&old, target);
        return Err(write_error(target, e));
    }
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

/// A leftover of `name` in its parent: `(path, is an old complete directory)`, if `entry` is
/// one whose process is gone.
fn leftover(entry: &str, name: &str) -> Option<bool> {
    let tmp = format!(".{name}.tmp-");
    let (old_hidden, old_legacy) = (format!(".{name}.old-"), format!("{name}.old-"));
    let (pid, old) = if let Some(pid) = entry.strip_prefix(&tmp) {
        (pid, false)
    } else if let Some(pid) = entry.strip_prefix(&old_hidden) {
        (pid, true)
    } else {
        (entry.strip_prefix(&old_legacy)?, true)
    };
    let pid: u32 = pid.parse().ok()?;
    (!alive(pid)).then_some(old)
}

/// Whether process `pid` runs (our own pid counts as gone: its leftovers are older than us).
#[cfg(unix)]
fn alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return false;
    }
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the process exists; no memory is touched.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Without a way to ask, every leftover counts as abandoned.
#[cfg(not(unix))]
fn alive(_: u32) -> bool {
    false
}

/// Removes (or restores, see the module docs) the leftovers of `target` in `parent`.
fn clear_leftovers(parent: &Path, name: &str, target: &Path) -> io::Result<Vec<String>> {
    let mut found: Vec<(String, bool)> = std::fs::read_dir(parent)?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let entry = e.file_name().to_string_lossy().into_owned();
            leftover(&entry, name).map(|old| (entry, old))
        })
        .collect();
    found.sort();
    let mut notes = Vec::new();
    let mut missing = std::fs::symlink_metadata(target).is_err();
    for (entry, old) in found {
        let path = parent.join(&entry);
        if old && missing && path.is_dir() {
            std::fs::rename(&path, target)?;
            missing = false;
            notes.push(format!(
                "restored {} from {} (left by an interrupted run)",
                target.display(),
                path.display()
            ));
            continue;
        }
        remove_any(&path)?;
        notes.push(format!(
            "removed {} (left by an interrupted run)",
            path.display()
        ));
    }
    Ok(notes)
}

fn remove_any(path: &Path) -> io::Result<()> {
    if std::fs::symlink_metadata(path)?.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    }
}

/// Copies the tree `from/rel` into `to/rel`: directories created, files hard-linked (copied
/// where links are not possible), symbolic links recreated.
fn link_tree(from: &Path, to: &Path, rel: &Path, skip: &dyn Fn(&Path) -> bool) -> io::Result<()> {
    for entry in std::fs::read_dir(from.join(rel))? {
        let entry = entry?;
        let rel = rel.join(entry.file_name());
        if skip(&rel) {
            continue;
        }
        let (source, dest) = (from.join(&rel), to.join(&rel));
        let kind = entry.file_type()?;
        if kind.is_dir() {
            std::fs::create_dir(&dest)?;
            link_tree(from, to, &rel, skip)?;
        } else if kind.is_symlink() {
            copy_symlink(&source, &dest)?;
        } else if std::fs::hard_link(&source, &dest).is_err() {
            std::fs::copy(&source, &dest)?;
        }
    }
    Ok(())
}

#[cfg(unix)]
fn copy_symlink(source: &Path, dest: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(std::fs::read_link(source)?, dest)
}

#[cfg(not(unix))]
fn copy_symlink(source: &Path, dest: &Path) -> io::Result<()> {
    std::fs::copy(source, dest).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("taosim-publish-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn leftovers_are_recognised_by_name_and_dead_pid() {
        assert_eq!(leftover(".seed-42.tmp-4000000", "seed-42"), Some(false));
        assert_eq!(leftover(".seed-42.old-4000000", "seed-42"), Some(true));
        assert_eq!(leftover("sweep.old-4000000", "sweep"), Some(true));
        assert_eq!(leftover(".seed-42.tmp-x", "seed-42"), None);
        assert_eq!(leftover(".seed-4.tmp-4000000", "seed-42"), None);
        assert_eq!(leftover("seed-42", "seed-42"), None);
        // A live process's temporary directory is left alone (pid 1 always runs).
        assert_eq!(leftover(".seed-42.tmp-1", "seed-42"), None);
    }

    #[test]
    fn publishing_exchanges_and_keeps_nothing_else() {
        let root = scratch("exchange");
        let target = root.join("t");
        for round in 0..2 {
            let staging = Staging::begin(&target).unwrap();
            std::fs::write(staging.path().join("f"), format!("{round}")).unwrap();
            staging.publish().unwrap();
            assert_eq!(
                std::fs::read_to_string(target.join("f")).unwrap(),
                format!("{round}")
            );
        }
        assert_eq!(std::fs::read_dir(&root).unwrap().count(), 1);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn the_rename_fallback_also_replaces_the_target() {
        let root = scratch("fallback");
        let (target, tmp) = (root.join("t"), root.join("n"));
        std::fs::create_dir_all(&target).unwrap();
        std::fs::create_dir_all(&tmp).unwrap();
        std::fs::write(tmp.join("f"), "new").unwrap();
        replace_by_renames(&tmp, &target).unwrap();
        assert_eq!(std::fs::read_to_string(target.join("f")).unwrap(), "new");
        assert_eq!(std::fs::read_dir(&root).unwrap().count(), 1);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_missing_target_is_restored_from_an_old_leftover_and_a_dropped_staging_vanishes() {
        let root = scratch("restore");
        let target = root.join("t");
        let old = root.join(".t.old-4000000");
        std::fs::create_dir_all(&old).unwrap();
        std::fs::write(old.join("f"), "previous").unwrap();
        std::fs::create_dir_all(root.join(".t.tmp-4000001")).unwrap();
        let staging = Staging::begin(&target).unwrap();
        assert_eq!(staging.notes().len(), 2, "{:?}", staging.notes());
        assert_eq!(
            std::fs::read_to_string(target.join("f")).unwrap(),
            "previous"
        );
        drop(staging);
        assert_eq!(std::fs::read_dir(&root).unwrap().count(), 1);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_file_in_the_target_place_is_refused() {
        let root = scratch("file");
        let target = root.join("t");
        std::fs::write(&target, "mine").unwrap();
        let e = Staging::begin(&target).unwrap_err();
        assert!(matches!(e, ReportError::Output { .. }), "{e}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "mine");
        assert_eq!(std::fs::read_dir(&root).unwrap().count(), 1);
        std::fs::remove_dir_all(&root).unwrap();
    }
}

//! `taosim epoch`: one Yuma epoch, epoch JSON in (a file or standard input), JSON out.
//!
//! May depend on: `chain::epoch`, `epoch_json`, `echo`, the api's error.

use crate::api::Error;
use crate::chain::epoch::{epoch, epoch_traced};
use crate::echo::echo;
use crate::epoch_json::{MAX_INPUT_BYTES, parse_input, write_output};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Reads the input, runs the epoch (with its trace if asked) and writes the output document.
pub fn run_epoch(file: Option<PathBuf>, trace: bool) -> Result<(), Error> {
    let text = read_input(file.as_deref())?;
    let document = epoch_document(&text, trace)?;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(document.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Error::other(format!("writing the output: {e}")))
}

/// The `taosim epoch` contract on text: the output document, or the input error.
pub fn epoch_document(text: &str, trace: bool) -> Result<String, Error> {
    let (input, params) = parse_input(text).map_err(|e| Error::Input(e.to_string()))?;
    Ok(if trace {
        let (output, trace) = epoch_traced(&input, &params);
        write_output(&output, Some(&trace))
    } else {
        write_output(&epoch(&input, &params), None)
    })
}

fn read_input(file: Option<&Path>) -> Result<String, Error> {
    let stdin = || {
        (
            "standard input".to_string(),
            Ok(Box::new(std::io::stdin()) as Box<dyn Read>),
        )
    };
    let (name, reader) = match file {
        None => stdin(),
        Some(path) if path.as_os_str() == "-" => stdin(),
        Some(path) => (
            echo(&path.display().to_string()),
            std::fs::File::open(path).map(|f| Box::new(f) as Box<dyn Read>),
        ),
    };
    let mut text = String::new();
    reader
        .and_then(|r| r.take(MAX_INPUT_BYTES + 1).read_to_string(&mut text))
        .map_err(|e| Error::Input(format!("{name}: {e}")))?;
    if text.len() as u64 > MAX_INPUT_BYTES {
        return Err(Error::Input(format!(
            "{name}: more than {MAX_INPUT_BYTES} bytes (the largest epoch input)"
        )));
    }
    Ok(text)
}

//! The `taosim` binary: everything happens in [`taosim::cli`].

fn main() -> std::process::ExitCode {
    taosim::cli::main()
}

//! The `partita` binary: see the `partita_cli` library and `docs/repl.md`.

mod allocator;

fn main() {
    allocator::configure();
    partita_cli::shell::install_quiet_panic_hook();
    let code = std::panic::catch_unwind(partita_cli::cli::main).unwrap_or_else(|p| {
        eprintln!(
            "error: internal error (a bug in Partita): panic: {}",
            partita_cli::shell::panic_text(p)
        );
        101
    });
    std::process::exit(code);
}

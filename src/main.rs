//! redis-preflight: checks the Redis instances behind Gloo Mesh Enterprise.

mod catalog_cmd;
mod cli;
mod cluster;
mod credentials;
mod error;
mod inputs;
mod one_line;
mod plan;
mod probe;
mod rbac;
mod rules;
mod run;
mod scrub;
mod suggest;
mod trust;
mod values_lint;
mod wait;
mod waivers;

use clap::Parser;
use reports::exit_codes;

use crate::error::{Error, InternalError};

fn main() {
    // rustls needs a process-wide crypto provider; ring needs only a C compiler to build.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => e.exit(), // --help, --version
        Err(e) => {
            // Clap's whole message (the problem, the missing argument, the possible values, the
            // did-you-mean, the usage) on one line, as every input error is.
            eprintln!(
                "{}",
                shown(crate::one_line::joined(&e.render().to_string()))
            );
            std::process::exit(exit_codes::INPUT);
        }
    };
    let code = match error::guard(|| command(cli.command)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", shown(error::one_line(&e)));
            e.exit_code()
        }
    };
    std::process::exit(code);
}

/// Runs one command: its exit code, or why it could not reach its verdicts.
fn command(command: cli::Command) -> Result<i32, Error> {
    Ok(match command {
        // One thread: the probes wait on I/O, and a multi-threaded runtime costs start-up time.
        cli::Command::Run(args) => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|source| InternalError::Runtime { source })?
            .block_on(run::run(*args))?,
        cli::Command::List { format, rules } => catalog_cmd::list(format, &rules)?,
        cli::Command::Explain { id, rules } => catalog_cmd::explain(&id, &rules)?,
        cli::Command::Schema { facts, waivers } => catalog_cmd::schema(facts, waivers),
        cli::Command::Rbac(args) => {
            catalog_cmd::emit(&rbac::manifests(&args)?);
            exit_codes::OK
        }
    })
}

/// An error line as text: a file name, key or flag value holding control characters
/// (`x\x1b[2J.yaml`) is shown escaped, never acted on by the terminal.
fn shown(error: impl std::fmt::Display) -> String {
    reports::escape::controls(&error.to_string()).into_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn clap_errors_keep_every_line() {
        let rendered = "error: the following required arguments were not provided:\n  <ID>\n\nUsage: redis-preflight explain <ID>\n\nFor more information, try '--help'.\n";
        assert_eq!(
            crate::one_line::joined(rendered),
            "error: the following required arguments were not provided: <ID>; Usage: redis-preflight explain <ID>; For more information, try '--help'."
        );
    }
}

//! redis-preflight: checks the Redis instances behind Gloo Mesh Enterprise.

mod catalog_cmd;
mod cli;
mod error;
mod inputs;
mod plan;
mod probe;
mod rbac;
mod run;
mod schema;
mod scrub;
mod secrets;
mod trust;

use clap::Parser;
use reports::exit_codes;

fn main() {
    // rustls needs a process-wide crypto provider; ring needs only a C compiler to build.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => e.exit(), // --help, --version
        Err(e) => {
            // One line, as every input error: clap's first line names the flag and the problem.
            let rendered = e.render().to_string();
            let first = rendered.lines().next().unwrap_or("invalid arguments");
            eprintln!("{first} (see redis-preflight --help)");
            std::process::exit(exit_codes::INPUT);
        }
    };
    let code = match cli.command {
        // One thread: the probes wait on I/O, and a multi-threaded runtime costs start-up time.
        cli::Command::Run(args) => match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => match rt.block_on(run::run(*args)) {
                Ok(code) => code,
                Err(e) => {
                    eprintln!("error: {e}");
                    exit_codes::INPUT
                }
            },
            Err(e) => {
                eprintln!("error: cannot start the runtime: {e}");
                exit_codes::INTERNAL
            }
        },
        cli::Command::List { format } => catalog_cmd::list(format),
        cli::Command::Explain { id } => catalog_cmd::explain(&id),
        cli::Command::Schema => catalog_cmd::schema(),
        cli::Command::Rbac(args) => match rbac::manifests(&args) {
            Ok(text) => {
                catalog_cmd::emit(&text);
                exit_codes::OK
            }
            Err(e) => {
                eprintln!("error: {e}");
                exit_codes::INPUT
            }
        },
    };
    std::process::exit(code);
}

//! The command line (see the README for the contract).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "redis-preflight",
    version,
    about = "Checks the Redis instances behind Gloo Mesh Enterprise before they fail the install"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read the values and secrets, probe every Redis, judge, report.
    Run(Box<RunArgs>),
    /// Print the check catalog: ID, title, profiles, prerequisites.
    List {
        /// `terminal` (a table) or `json` (for tooling).
        #[arg(long, value_enum, default_value_t = ListFormat::Terminal)]
        format: ListFormat,
    },
    /// Explain one check: what it verifies, why Gloo needs it, how to fix it.
    Explain {
        /// A check ID, e.g. redis.noeviction.
        id: String,
    },
    /// Print the JSON Schema of report.json.
    Schema,
    /// Print the least-privilege RBAC for running the preflight as an in-cluster Job.
    Rbac(RbacArgs),
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  # Secrets from the current kube context, or from exported manifests
  redis-preflight run -f gloo-values.yaml
  redis-preflight run -f gloo-values.yaml --secrets secrets.yaml
  # A CI gate: the terminal report, plus report.json, junit.xml and report.md
  redis-preflight run -f gloo-values.yaml --profile ci -o reports
  # After helm upgrade: is the management server writing its snapshot?
  redis-preflight run -f gloo-values.yaml --profile post-upgrade

Exit codes: 0 passed, 3 a check failed, 4 warnings or unknowns, 2 invalid input, 1 internal error")]
pub struct RunArgs {
    /// Helm values file; repeatable, merged in order as Helm does.
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    pub values: Vec<PathBuf>,
    /// Helm-style override PATH=VALUE; repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Kubernetes Secret manifests to read secrets from; repeatable.
    #[arg(long = "secrets", value_name = "FILE")]
    pub secrets: Vec<PathBuf>,
    /// Kubeconfig to read live secrets with (default: $KUBECONFIG, ~/.kube/config, or the
    /// in-cluster service account in a Pod).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context to use (default: the current one).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// Namespace of the management-plane secrets.
    #[arg(short = 'n', long, default_value = "gloo-mesh")]
    pub namespace: String,
    /// Namespace of the add-on secrets.
    #[arg(long, default_value = "gloo-mesh-addons")]
    pub addons_namespace: String,
    /// Which moment this run serves.
    #[arg(long, value_enum, default_value_t = Profile::Preflight)]
    pub profile: Profile,
    /// Report format; repeatable.
    #[arg(long = "format", value_enum)]
    pub formats: Vec<FormatArg>,
    /// Write report.json, junit.xml and report.md (those --format names, if any) into DIR; the
    /// terminal report still goes to stdout.
    #[arg(short = 'o', long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// Run only checks whose ID matches this glob; repeatable.
    #[arg(long, value_name = "GLOB")]
    pub only: Vec<String>,
    /// Leave out checks whose ID matches this glob; repeatable.
    #[arg(long, value_name = "GLOB")]
    pub skip: Vec<String>,
    /// The instance layout your policy demands across use cases.
    #[arg(long, value_enum, default_value_t = Layout::Any)]
    pub layout: Layout,
    /// Warn and unknown outcomes gate too (exit 3).
    #[arg(long)]
    pub strict: bool,
    /// Deadline for the whole run, as a Go duration.
    #[arg(long, default_value = "60s", value_name = "DURATION")]
    pub timeout: String,
    /// Save everything observed (no secret value) to FILE, to judge again elsewhere.
    #[arg(long, value_name = "FILE")]
    pub save_facts: Option<PathBuf>,
    /// Judge a saved facts file instead of probing (values, secrets and probe flags are ignored).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["values", "set", "secrets"])]
    pub facts: Option<PathBuf>,
    /// Allow the write probe (data.write-probe): SET, GET and DEL of one uniquely named key
    /// with a 10-second expiry. Nothing else is ever written.
    #[arg(long)]
    pub allow_write: bool,
    /// Warn when a certificate expires within this many days.
    #[arg(long, default_value_t = 30, value_name = "DAYS")]
    pub cert_warn_days: u32,
    /// Ask this DNS server (IP:PORT) instead of the system resolver.
    #[arg(long, value_name = "IP:PORT")]
    pub dns_server: Option<SocketAddr>,
}

#[derive(Debug, Args)]
pub struct RbacArgs {
    /// Helm values file; repeatable, merged in order as Helm does.
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    pub values: Vec<PathBuf>,
    /// Helm-style override PATH=VALUE; repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Namespace of the management-plane secrets.
    #[arg(short = 'n', long, default_value = "gloo-mesh")]
    pub namespace: String,
    /// Namespace of the add-on secrets.
    #[arg(long, default_value = "gloo-mesh-addons")]
    pub addons_namespace: String,
    /// The ServiceAccount the Job runs as.
    #[arg(long, default_value = "redis-preflight")]
    pub service_account: String,
    /// The namespace the Job runs in.
    #[arg(long, default_value = "gloo-mesh")]
    pub job_namespace: String,
    /// RBAC for the Job that runs from a component's vantage point: in its namespace, under its
    /// ServiceAccount (ci/k8s/job-vantage.yaml), reading only that use case's secrets.
    #[arg(long, value_enum)]
    pub vantage: Option<Vantage>,
}

/// A component whose vantage point the in-cluster Job can take.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Vantage {
    Extauth,
    Ratelimiter,
    Snapshot,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    Preflight,
    PostUpgrade,
    Ci,
}

impl Profile {
    pub fn name(self) -> &'static str {
        match self {
            Profile::Preflight => "preflight",
            Profile::PostUpgrade => "post-upgrade",
            Profile::Ci => "ci",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Layout {
    Any,
    Shared,
    Separate,
}

impl Layout {
    pub fn name(self) -> &'static str {
        match self {
            Layout::Any => "any",
            Layout::Shared => "shared",
            Layout::Separate => "separate",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Terminal,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum FormatArg {
    Terminal,
    Json,
    Junit,
    Markdown,
}

impl FormatArg {
    pub fn format(self) -> reports::Format {
        match self {
            FormatArg::Terminal => reports::Format::Terminal,
            FormatArg::Json => reports::Format::Json,
            FormatArg::Junit => reports::Format::Junit,
            FormatArg::Markdown => reports::Format::Markdown,
        }
    }
}

//! `cognigy-sim --seed DIR --port PORT --api-key KEY --project-id ID [...]`

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Parser;
use cognigy_sim::{Faults, Options, Sim};

/// A local simulator of the Cognigy.AI REST API (the subset handover-migrate uses), serving
/// one project loaded from a `cognigy clone` directory on 127.0.0.1.
#[derive(Parser, Debug)]
#[command(name = "cognigy-sim", version)]
struct Cli {
    /// The clone directory to serve (`endpoints/`, `flows/`, optional `handoverProviders/`).
    #[arg(long, required_unless_present = "projects", conflicts_with = "projects")]
    seed: Option<PathBuf>,
    /// Serve several projects on one tenant: every subdirectory of DIR is a clone, its
    /// project id its `handover-migrate.toml` `project-id` (or its name when that is an id).
    #[arg(long, value_name = "DIR")]
    projects: Option<PathBuf>,
    /// Port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The only API key accepted (`X-API-Key` header or `api_key` query parameter).
    #[arg(long)]
    api_key: String,
    /// The project id the routes accept (with --seed).
    #[arg(long, required_unless_present = "projects")]
    project_id: Option<String>,
    /// Expose the Handover Provider selector field under this key in the node descriptors.
    #[arg(long)]
    selector_key: Option<String>,
    /// Read secrets back as "********" from endpoints and providers.
    #[arg(long)]
    mask_secrets: bool,
    /// The node catalogue to serve: a JSON list of descriptors, e.g. the one
    /// `tests/npm-clone/gen-descriptors.cjs` writes from the official client. Without it, a
    /// small made-up catalogue.
    #[arg(long, value_name = "FILE")]
    descriptors: Option<PathBuf>,
    /// A second API key whose user may read flows, endpoints and locales but nothing about
    /// Handover Providers, and may write nothing (answered 403).
    #[arg(long, value_name = "KEY")]
    restricted_key: Option<String>,
    /// List the selector field's options (Legacy and every provider) holding each provider's
    /// `_id` or `referenceId`; without it the options name a list the UI fills.
    #[arg(long, value_name = "_id|referenceId")]
    selector_options: Option<cognigy_sim::ValueForm>,
    /// The page size of an index read without `limit`.
    #[arg(long, default_value_t = 25, value_parser = clap::value_parser!(u16).range(1..=100))]
    default_page: u16,
    /// Serve the seed shaped by a tenant profile (`handover-migrate doctor --save-profile`):
    /// its handover services, selector key and value form, masking, page size and node types.
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
    /// Latency added to every API request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Fraction (0..1) of API requests answered with 500/502/503.
    #[arg(long, default_value_t = 0.0)]
    error_rate: f64,
    /// EVERY:COUNT: of each EVERY API requests, the last COUNT get 429 with Retry-After.
    #[arg(long, value_parser = parse_burst)]
    burst_429: Option<(u64, u64)>,
    /// Retry-After seconds on injected 429 bursts.
    #[arg(long, default_value_t = 1)]
    retry_after: u64,
    /// Fraction (0..1) of API requests whose connection is reset without an answer.
    #[arg(long, default_value_t = 0.0)]
    reset_rate: f64,
    /// N/SECS: at most N requests per API key in any SECS (a sliding window); beyond it 429 with Retry-After.
    #[arg(long, value_parser = parse_rate)]
    rate_limit: Option<(u32, f64)>,
    /// Of the writes that draw a 5xx or a reset, the fraction applied before failing.
    #[arg(long, default_value_t = 0.5)]
    after_write_rate: f64,
    /// Seeds fault decisions and generated ids.
    #[arg(long, default_value_t = 0)]
    rng_seed: u64,
    /// Log every API request to stderr.
    #[arg(long)]
    log: bool,
}

fn parse_burst(text: &str) -> Result<(u64, u64), String> {
    let (every, count) = text.split_once(':').ok_or("expected EVERY:COUNT, e.g. 50:3")?;
    let every: u64 = every.parse().map_err(|_| format!("bad EVERY `{every}`"))?;
    let count: u64 = count.parse().map_err(|_| format!("bad COUNT `{count}`"))?;
    if every == 0 || count == 0 || count >= every {
        return Err("need 0 < COUNT < EVERY".into());
    }
    Ok((every, count))
}

fn parse_rate(text: &str) -> Result<(u32, f64), String> {
    let (n, secs) = text.split_once('/').ok_or("expected N/SECS, e.g. 1000/300")?;
    let n: u32 = n.parse().map_err(|_| format!("bad N `{n}`"))?;
    let secs: f64 = secs.parse().map_err(|_| format!("bad SECS `{secs}`"))?;
    if n == 0 || secs.is_nan() || secs <= 0.0 {
        return Err("need N > 0 and SECS > 0".into());
    }
    Ok((n, secs))
}

fn fraction(name: &str, value: f64) -> Result<f64> {
    if !(0.0..=1.0).contains(&value) {
        bail!("--{name} must be between 0 and 1, got {value}");
    }
    Ok(value)
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    let faults = Faults {
        latency_ms: cli.latency_ms,
        error_rate: fraction("error-rate", cli.error_rate)?,
        burst_429: cli.burst_429,
        retry_after_secs: cli.retry_after,
        reset_rate: fraction("reset-rate", cli.reset_rate)?,
        rate_limit: cli.rate_limit,
        after_write_rate: fraction("after-write-rate", cli.after_write_rate)?,
        rng_seed: cli.rng_seed,
    };
    if faults.error_rate + faults.reset_rate > 1.0 {
        bail!("--error-rate plus --reset-rate must not exceed 1");
    }
    let options = Options {
        api_key: cli.api_key,
        project_id: cli.project_id.clone().unwrap_or_default(),
        selector_key: cli.selector_key,
        mask_secrets: cli.mask_secrets,
        descriptors: cli.descriptors,
        restricted_key: cli.restricted_key,
        selector_options: cli.selector_options,
        default_page: usize::from(cli.default_page),
        profile: cli.profile,
        faults,
        log: cli.log,
    };
    if let Some(dir) = &cli.projects {
        let multi = cognigy_sim::multi::MultiSim::load_dir(dir, options)?;
        for served in multi.projects() {
            eprintln!("serving project {} ({})", served.project_id, served.name);
        }
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", cli.port))
            .await
            .with_context(|| format!("binding 127.0.0.1:{}", cli.port))?;
        let mut stdout = std::io::stdout();
        writeln!(stdout, "listening on http://{}", listener.local_addr()?)?;
        stdout.flush()?;
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        multi.serve_with_shutdown(listener, shutdown).await?;
        return Ok(());
    }
    let project_id = options.project_id.clone();
    let seed = cli.seed.clone().unwrap_or_default();
    let sim = Sim::load(&seed, options)?;
    let pinned: Vec<String> = sim.with_project(|p| {
        p.endpoints
            .iter()
            .filter(|e| e.item.get("entrypoint").and_then(|v| v.as_str()).is_some_and(|v| v != project_id))
            .map(|e| e.name().to_string())
            .collect()
    });
    if !pinned.is_empty() {
        eprintln!(
            "note: the entrypoint of {} endpoint(s) is not --project-id {project_id}, so they read as pinned to a \
             snapshot: {}",
            pinned.len(),
            pinned.join(", ")
        );
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", cli.port))
        .await
        .with_context(|| format!("binding 127.0.0.1:{}", cli.port))?;
    let addr = listener.local_addr()?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening on http://{addr}")?;
    stdout.flush()?;
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    sim.serve_with_shutdown(listener, shutdown).await?;
    Ok(())
}

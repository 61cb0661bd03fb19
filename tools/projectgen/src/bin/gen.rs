//! `handover-migrate-gen DIR [--flows N] …`: write a synthetic project.

use clap::Parser;
use handover_migrate_projectgen::{generate, Options};

#[derive(Parser)]
#[command(about = "Write a synthetic Cognigy-CLI clone project for benchmarks and rehearsals")]
struct Args {
    /// Output directory (created; must be empty).
    dir: std::path::PathBuf,
    #[arg(long, default_value_t = 20)]
    endpoints: usize,
    #[arg(long, default_value_t = 200)]
    flows: usize,
    #[arg(long, default_value_t = 2)]
    locales: usize,
    #[arg(long, default_value_t = 12)]
    nodes_per_flow: usize,
    /// Per cent of a flow's nodes that are handover nodes.
    #[arg(long, default_value_t = 10)]
    handover_percent: usize,
    /// Execute Flow nodes per entry flow.
    #[arg(long, default_value_t = 4)]
    fanout: usize,
    #[arg(long, default_value = "handoverProvider")]
    selector_key: String,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    if args.dir.exists() && std::fs::read_dir(&args.dir).map(|mut d| d.next().is_some()).unwrap_or(true) {
        eprintln!("error: {} exists and is not empty", args.dir.display());
        return std::process::ExitCode::from(2);
    }
    let options = Options {
        endpoints: args.endpoints,
        flows: args.flows,
        locales: args.locales,
        nodes_per_flow: args.nodes_per_flow,
        handover_percent: args.handover_percent,
        fanout: args.fanout,
        selector_key: args.selector_key,
    };
    match generate(&args.dir, &options) {
        Ok(files) => {
            println!("wrote {files} files to {}", args.dir.display());
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(1)
        }
    }
}

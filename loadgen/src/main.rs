//! `loadgen`: the native side of `npm run bench` — fan-out latency against the mock server and the
//! reconnect-storm simulation. Each subcommand prints one JSON object on stdout.

mod drain;
mod fanout;
mod hostile;
mod stats;
mod storm;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "planwire load generator")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Many members in many rooms, REST changes at a steady rate: delivery latency and server memory.
    Fanout(fanout::FanoutArgs),
    /// One native client drains a flood: the server's sending ceiling for the dispatch benchmark.
    Drain(drain::DrainArgs),
    /// Clients losing the server at once, driven by the client core's real backoff policy.
    Storm(storm::StormArgs),
    /// Thousands of hostile connections held open; `/health` and a valid join timed meanwhile.
    Hostile(hostile::HostileArgs),
}

fn main() {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Fanout(args) => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| e.into())
            .and_then(|rt| rt.block_on(fanout::run(args)))
            .and_then(|report| serde_json::to_string(&report).map_err(|e| e.into())),
        Command::Drain(args) => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| e.into())
            .and_then(|rt| rt.block_on(drain::run(args)))
            .and_then(|report| serde_json::to_string(&report).map_err(|e| e.into())),
        Command::Hostile(args) => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| e.into())
            .and_then(|rt| rt.block_on(hostile::run(args)))
            .and_then(|report| serde_json::to_string(&report).map_err(|e| e.into())),
        Command::Storm(args) => serde_json::to_string(&storm::run(&args)).map_err(|e| e.into()),
    };
    match outcome {
        Ok(json) => println!("{json}"),
        Err(e) => {
            eprintln!("loadgen: {e}");
            std::process::exit(1);
        }
    }
}

//! `mock-server`: runs the planwire mock server, or prints a token (`mock-server token …`).

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use mock_server::auth::{parse_user_id, Jwt};
use mock_server::cli::{check_jwt_secret, Cli, Command, DEV_JWT_SECRET};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Token(t)) = cli.command {
        let secret = t.jwt_secret.as_deref().unwrap_or(DEV_JWT_SECRET);
        if let Err(e) = check_jwt_secret(secret) {
            eprintln!("mock-server: {e}");
            return ExitCode::from(2);
        }
        let jwt = Jwt::new(secret);
        let email = t.email.unwrap_or_else(|| format!("{}@example.com", t.user_name));
        println!("{}", jwt.issue(parse_user_id(&t.user_id), t.user_name, Some(email), Duration::from_secs(t.ttl)));
        return ExitCode::SUCCESS;
    }
    if let Some(Err(e)) = cli.serve.jwt_secret.as_deref().map(check_jwt_secret) {
        eprintln!("mock-server: {e}");
        return ExitCode::from(2);
    }
    let level = cli.serve.log_level.parse().unwrap_or(tracing::Level::INFO);
    let ansi = std::io::stderr().is_terminal();
    tracing_subscriber::fmt().with_writer(std::io::stderr).with_ansi(ansi).with_max_level(level).init();
    let cfg = cli.serve.to_config();
    check_fd_limit(cfg.max_connections + cfg.limits.max_pending_connections);
    if cfg.jwt_secret_is_default {
        tracing::warn!("no --jwt-secret or JWT_SECRET: using the development secret");
    }
    if cfg.enable_faults {
        tracing::warn!("fault-injection routes are enabled and unauthenticated: local use only");
    }
    let server = match mock_server::start(cfg).await {
        Ok(server) => server,
        Err(e) => {
            tracing::error!(error = %e, "could not start");
            return ExitCode::FAILURE;
        }
    };
    mock_server::bench_data::install(&server.app().hub, &cli.serve.bench);
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "listening on ws://{}/ws", server.addr);
    let _ = out.flush();
    drop(out);
    stop_signal().await;
    tracing::info!("shutting down");
    server.shutdown().await;
    ExitCode::SUCCESS
}

/// Raises the soft open-file limit to the hard one, and warns when the connection caps could still
/// run out of file descriptors.
fn check_fd_limit(wanted: usize) {
    #[cfg(unix)]
    {
        let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit/setrlimit only read and write the struct passed.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
                return;
            }
            if lim.rlim_cur < lim.rlim_max {
                let raised = libc::rlimit { rlim_cur: lim.rlim_max, rlim_max: lim.rlim_max };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                    lim = raised;
                }
            }
        }
        #[allow(clippy::unnecessary_cast)] // rlim_t is not u64 everywhere
        let have = lim.rlim_cur as u64;
        if (wanted as u64).saturating_add(64) > have {
            tracing::warn!(
                open_file_limit = have,
                wanted,
                "--max-connections plus --max-pending-connections exceed the open-file limit: lower them or raise `ulimit -n`"
            );
        }
    }
    #[cfg(not(unix))]
    let _ = wanted;
}

/// Resolves on SIGINT or SIGTERM.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            let _ = tokio::signal::ctrl_c().await;
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

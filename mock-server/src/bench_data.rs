//! Benchmark data (`--bench-plans N --bench-users M`), used by `npm run bench` (`loadgen`, `bench/`).
//!
//! Adds plans `bench-0` … `bench-{N-1}`, each with three tasks, whose members are the bench users
//! `100000` … `100000 + M - 1`: any of them may join any bench room and change its tasks. Off by
//! default; the demo data is untouched.

use clap::Args;
use planwire_protocol::{TaskStatus, UserId};

use crate::hub::Hub;

/// First user id of the bench users.
pub const FIRST_BENCH_USER: i64 = 100_000;

/// Flags that add benchmark plans.
#[derive(Args, Debug, Clone, Default)]
pub struct BenchArgs {
    /// Add plans bench-0 … bench-{N-1} for benchmarks (0 = none).
    #[arg(long, default_value_t = 0)]
    pub bench_plans: usize,
    /// Members of every bench plan: users 100000 … 100000 + M - 1.
    #[arg(long, default_value_t = 5000)]
    pub bench_users: usize,
}

/// Adds the bench plans described by `args` to `hub` (nothing when `bench_plans` is 0).
pub fn install(hub: &Hub, args: &BenchArgs) {
    if args.bench_plans == 0 {
        return;
    }
    let members: Vec<UserId> = (0..args.bench_users as i64).map(|i| UserId::Num(FIRST_BENCH_USER + i)).collect();
    let tasks = [
        ("Benchmark task one", TaskStatus::NotStarted),
        ("Benchmark task two", TaskStatus::InProgress),
        ("Benchmark task three", TaskStatus::Completed),
    ];
    for i in 0..args.bench_plans {
        hub.add_plan(&format!("bench-{i}"), "Benchmark plan", members.clone(), &tasks);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plans::PlanError;

    #[test]
    fn bench_plans_admit_exactly_the_bench_users() {
        let hub = Hub::new(crate::config::Config { demo_data: false, ..Default::default() });
        install(&hub, &BenchArgs { bench_plans: 3, bench_users: 10 });
        let plan = hub.plan("bench-2", &UserId::Num(FIRST_BENCH_USER)).expect("a bench user sees a bench plan");
        assert_eq!(plan.members.len(), 10);
        assert_eq!(plan.tasks.len(), 3);
        assert!(hub.plan("bench-0", &UserId::Num(FIRST_BENCH_USER + 9)).is_ok());
        assert!(matches!(hub.plan("bench-0", &UserId::Num(FIRST_BENCH_USER + 10)), Err(PlanError::Forbidden(_))));
        assert!(matches!(hub.plan("bench-3", &UserId::Num(FIRST_BENCH_USER)), Err(PlanError::NotFound(_))));
    }

    #[test]
    fn no_bench_plans_by_default() {
        let hub = Hub::new(crate::config::Config { demo_data: false, ..Default::default() });
        install(&hub, &BenchArgs::default());
        assert!(matches!(hub.plan("bench-0", &UserId::Num(FIRST_BENCH_USER)), Err(PlanError::NotFound(_))));
    }
}

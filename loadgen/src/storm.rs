//! Reconnect storm: N clients lose the server at the same moment; it comes back after an outage.
//!
//! Each client is the real client core (`planwire_client::core::Machine`) fed by a discrete-event
//! loop: the loop performs its `OpenSocket` actions against a modelled server and wakes it at its
//! deadlines. While the server is down an attempt fails `fail_ms` after it starts (a refused or
//! reset connection) and counts as an attempt; once it is back, an attempt opens after `fail_ms`
//! and the server's confirmation arrives at once.
//!
//! Candidate jitter schemes that are not in the client are run through [`ModelClient`], a
//! transcription of the core's retry rule (attempt limit, delay per attempt) with another delay
//! function; a test checks that the model and the real core agree exactly on the seed's formula.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use planwire_client::core::backoff::Rng;
use planwire_client::core::decode::text_header;
use planwire_client::core::{Action, Input, Machine, Options, RawOptions, State};
use serde::Serialize;

use crate::stats::{peak_in_window, quantile};

/// Options of the storm simulation.
#[derive(clap::Args, Debug, Clone)]
pub struct StormArgs {
    /// Clients connected when the server goes away.
    #[arg(long, default_value_t = 100_000)]
    pub clients: u32,
    /// How long the server stays away (ms).
    #[arg(long, default_value_t = 10_000)]
    pub outage_ms: u64,
    /// How long a connection attempt takes to fail (server down) or to open (server up), in ms.
    #[arg(long, default_value_t = 50)]
    pub fail_ms: u64,
    /// Width of the window in which the peak of attempts is counted (ms).
    #[arg(long, default_value_t = 100)]
    pub window_ms: u64,
    /// Seed of the clients' random sources (each client gets its own stream).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// One simulated policy's outcome.
#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct StormResult {
    /// Name of the policy.
    pub policy: String,
    /// `core` when the real client core ran, `model` for a candidate that is not in the client.
    pub source: &'static str,
    /// Most attempts started in any window of `window_ms`.
    pub peak_attempts: usize,
    /// Seed formula's peak divided by this one.
    pub peak_cut: f64,
    /// Attempts started in total.
    pub attempts: usize,
    /// Time from the loss until 99 % of the clients are connected again; `None` if never.
    pub back99_ms: Option<u64>,
    /// Time until the last client that comes back is connected.
    pub back_last_ms: Option<u64>,
    /// Clients that gave up (`failed`, max attempts reached).
    pub failed: u32,
    /// Whether the peak is cut ≥ 10× and 99 % are back within the seed's time + 30 s.
    pub meets_target: bool,
}

/// The whole storm report.
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct StormReport {
    /// Clients.
    pub clients: u32,
    /// Outage length (ms).
    pub outage_ms: u64,
    /// Attempt duration (ms).
    pub fail_ms: u64,
    /// Peak window (ms).
    pub window_ms: u64,
    /// The 99 % deadline the default must meet: the seed formula's time plus 30 s.
    pub back99_limit_ms: Option<u64>,
    /// One entry per policy, the seed formula first.
    pub results: Vec<StormResult>,
}

/// A client under simulation: the loop asks it when to wake, wakes it, and reports attempt outcomes.
trait SimClient {
    /// The connection was lost at `now`.
    fn lost(&mut self, now: u64);
    /// When the client wants to be woken next, if ever.
    fn deadline(&self) -> Option<u64>;
    /// Wakes the client at `now`; returns whether it started a connection attempt.
    fn wake(&mut self, now: u64) -> bool;
    /// The attempt started earlier failed at `now`.
    fn attempt_failed(&mut self, now: u64);
    /// The attempt started earlier opened at `now`.
    fn attempt_opened(&mut self, now: u64);
    /// Whether the client is connected.
    fn connected(&self) -> bool;
    /// Whether the client gave up.
    fn gave_up(&self) -> bool;
}

/// The real client core.
struct CoreClient {
    machine: Machine<serde_json::Value>,
    /// Whether the last drained actions contained an `OpenSocket`.
    opened_socket: bool,
}

const CONFIRMATION: &str =
    r#"{"type":"pong","data":{"userId":1,"connected":true,"timestamp":"2025-01-01T00:00:00.000Z"}}"#;

impl CoreClient {
    /// A connected client with the given jitter (`None` = the client's default).
    fn connected(jitter: Option<f64>, seed: u64) -> CoreClient {
        let options = Options::validate(RawOptions {
            url: "ws://server/ws".into(),
            token: Some("t".into()),
            jitter,
            ..RawOptions::default()
        })
        .expect("valid simulation options");
        let mut client = CoreClient { machine: Machine::new(options, seed), opened_socket: false };
        client.feed(Input::Connect, 0);
        client.feed(Input::SocketOpened, 0);
        client.feed(Input::Frame(text_header(CONFIRMATION)), 0);
        assert!(client.machine.is_connected(), "the simulated client must start connected");
        client
    }

    /// Feeds one input (the simulation feeds only inputs that cannot be refused) and drains the
    /// actions it caused.
    fn feed(&mut self, input: Input<serde_json::Value>, now: u64) {
        self.machine.handle(input, now).expect("glue inputs are never refused");
        self.drain();
    }

    fn drain(&mut self) {
        self.opened_socket = false;
        while let Some(action) = self.machine.poll_action() {
            if matches!(action, Action::OpenSocket { .. }) {
                self.opened_socket = true;
            }
        }
    }
}

impl SimClient for CoreClient {
    fn lost(&mut self, now: u64) {
        self.feed(Input::SocketClosed { code: 1006, reason: String::new() }, now);
    }
    fn deadline(&self) -> Option<u64> {
        match self.machine.state() {
            State::Open | State::Failed | State::Closed => None,
            _ => self.machine.next_deadline(),
        }
    }
    fn wake(&mut self, now: u64) -> bool {
        self.feed(Input::Timer, now);
        self.opened_socket
    }
    fn attempt_failed(&mut self, now: u64) {
        self.feed(Input::SocketClosed { code: 1006, reason: String::new() }, now);
    }
    fn attempt_opened(&mut self, now: u64) {
        self.feed(Input::SocketOpened, now);
        self.feed(Input::Frame(text_header(CONFIRMATION)), now);
    }
    fn connected(&self) -> bool {
        self.machine.is_connected()
    }
    fn gave_up(&self) -> bool {
        self.machine.state() == State::Failed
    }
}

/// A delay rule for [`ModelClient`]: `(attempt, previous delay, ceiling, rng) → delay`.
type DelayRule = fn(u32, u64, u64, &mut Rng) -> u64;

/// The core's retry rule with another delay function: after a loss or a failed attempt, retry
/// `attempt` (0-based) waits `rule(...)`; after `max_attempts` failed retries the client gives up.
struct ModelClient {
    rule: DelayRule,
    rng: Rng,
    attempt: u32,
    previous_delay: u64,
    wake_at: Option<u64>,
    connected: bool,
    gave_up: bool,
}

const BASE_MS: u64 = 1000;
const CAP_MS: u64 = 30_000;
const MAX_ATTEMPTS: u32 = 5;

/// Seed 000's `min(base · 2^attempt, cap)`.
fn ceiling(attempt: u32) -> u64 {
    (BASE_MS << attempt.min(20)).min(CAP_MS)
}

impl ModelClient {
    fn connected(rule: DelayRule, seed: u64) -> ModelClient {
        ModelClient { rule, rng: Rng::new(seed), attempt: 0, previous_delay: BASE_MS, wake_at: None, connected: true, gave_up: false }
    }

    fn retry_later(&mut self, now: u64) {
        if self.attempt >= MAX_ATTEMPTS {
            self.gave_up = true;
            self.wake_at = None;
            return;
        }
        let delay = (self.rule)(self.attempt, self.previous_delay, ceiling(self.attempt), &mut self.rng);
        self.previous_delay = delay;
        self.attempt += 1;
        self.wake_at = Some(now + delay);
    }
}

impl SimClient for ModelClient {
    fn lost(&mut self, now: u64) {
        self.connected = false;
        self.attempt = 0;
        self.previous_delay = BASE_MS;
        self.retry_later(now);
    }
    fn deadline(&self) -> Option<u64> {
        self.wake_at
    }
    fn wake(&mut self, now: u64) -> bool {
        match self.wake_at {
            Some(at) if now >= at => {
                self.wake_at = None;
                true
            }
            _ => false,
        }
    }
    fn attempt_failed(&mut self, now: u64) {
        self.retry_later(now);
    }
    fn attempt_opened(&mut self, _now: u64) {
        self.connected = true;
    }
    fn connected(&self) -> bool {
        self.connected
    }
    fn gave_up(&self) -> bool {
        self.gave_up
    }
}

/// The seed formula without jitter, to check the model against the core.
#[cfg(test)]
fn rule_seed(_attempt: u32, _prev: u64, ceiling: u64, _rng: &mut Rng) -> u64 {
    ceiling
}

/// Candidate "AWS decorrelated jitter": uniform in `[base, 3 · previous]`, capped.
fn rule_decorrelated(_attempt: u32, prev: u64, _ceiling: u64, rng: &mut Rng) -> u64 {
    let high = (prev * 3).max(BASE_MS);
    (BASE_MS + ((high - BASE_MS) as f64 * rng.next_unit()) as u64).min(CAP_MS)
}

/// Earlier default, kept for comparison: uniform in `[d / 2, d]` (jitter only ever shortened the
/// seed's delay `d`, so the first wave spread over half a second at most).
fn rule_subtractive(_attempt: u32, _prev: u64, ceiling: u64, rng: &mut Rng) -> u64 {
    ceiling - (ceiling as f64 * 0.5 * rng.next_unit()) as u64
}

/// SplitMix64: independent per-client seeds from one run seed.
fn client_seed(run_seed: u64, client: u32) -> u64 {
    let mut z = run_seed.wrapping_add(0x9E37_79B9_7F4A_7C15u64.wrapping_mul(u64::from(client) + 1));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Wake,
    Failed,
    Opened,
}

/// What one simulated policy produced: attempt start times and reconnection times (ms after the loss).
struct Trace {
    attempts: Vec<u64>,
    back: Vec<u64>,
    failed: u32,
}

/// Runs the storm for `clients` built by `make`.
fn simulate<C: SimClient>(args: &StormArgs, mut make: impl FnMut(u32) -> C) -> Trace {
    let mut clients: Vec<C> = (0..args.clients).map(&mut make).collect();
    let mut queue: Queue = BinaryHeap::new();
    let mut scheduled: Vec<Option<u64>> = vec![None; clients.len()];
    let mut trace = Trace { attempts: Vec::new(), back: Vec::new(), failed: 0 };
    let server_back_at = args.outage_ms;

    for (i, c) in clients.iter_mut().enumerate() {
        c.lost(0);
        schedule_wake(&mut queue, &mut scheduled, i, &*c);
    }
    while let Some(Reverse((now, step, i))) = queue.pop() {
        let idx = i as usize;
        let c = &mut clients[idx];
        match step {
            Step::Wake => {
                if scheduled[idx] != Some(now) {
                    continue; // superseded
                }
                scheduled[idx] = None;
                if c.wake(now) {
                    trace.attempts.push(now);
                    let outcome = if now >= server_back_at { Step::Opened } else { Step::Failed };
                    queue.push(Reverse((now + args.fail_ms, outcome, i)));
                    continue;
                }
            }
            Step::Failed => c.attempt_failed(now),
            Step::Opened => {
                c.attempt_opened(now);
                if c.connected() {
                    trace.back.push(now);
                }
            }
        }
        if c.gave_up() {
            trace.failed += 1;
            continue;
        }
        schedule_wake(&mut queue, &mut scheduled, idx, &*c);
    }
    trace.attempts.sort_unstable();
    trace.back.sort_unstable();
    trace
}

type Queue = BinaryHeap<Reverse<(u64, Step, u32)>>;

/// Queues a wake-up at the client's deadline unless that exact one is already queued.
fn schedule_wake<C: SimClient>(queue: &mut Queue, scheduled: &mut [Option<u64>], i: usize, c: &C) {
    if let Some(at) = c.deadline() {
        if scheduled[i] != Some(at) {
            scheduled[i] = Some(at);
            queue.push(Reverse((at, Step::Wake, i as u32)));
        }
    }
}

/// The time by which `fraction` of all `clients` are back, if they ever are.
fn back_by(trace: &Trace, clients: u32, fraction: f64) -> Option<u64> {
    let needed = (f64::from(clients) * fraction).ceil() as usize;
    (trace.back.len() >= needed && needed > 0).then(|| trace.back[needed - 1])
}

fn summarize(policy: &str, source: &'static str, trace: &Trace, args: &StormArgs) -> StormResult {
    StormResult {
        policy: policy.into(),
        source,
        peak_attempts: peak_in_window(&trace.attempts, args.window_ms),
        peak_cut: 1.0,
        attempts: trace.attempts.len(),
        back99_ms: back_by(trace, args.clients, 0.99),
        back_last_ms: quantile(&trace.back, 1.0),
        failed: trace.failed,
        meets_target: false,
    }
}

/// Runs every policy and judges each against the seed formula.
pub fn run(args: &StormArgs) -> StormReport {
    let seed = args.seed;
    let mut results = vec![
        summarize("seed 000 formula (jitter 0)", "core", &simulate(args, |i| CoreClient::connected(Some(0.0), client_seed(seed, i))), args),
        summarize("planwire default", "core", &simulate(args, |i| CoreClient::connected(None, client_seed(seed, i))), args),
        summarize("option jitter: 1 (full jitter)", "core", &simulate(args, |i| CoreClient::connected(Some(1.0), client_seed(seed, i))), args),
    ];
    let candidates: [(&str, DelayRule); 2] = [
        ("candidate: decorrelated [1 s, 3·prev]", rule_decorrelated),
        ("earlier default: subtractive [d/2, d]", rule_subtractive),
    ];
    for (name, rule) in candidates {
        let trace = simulate(args, |i| ModelClient::connected(rule, client_seed(seed, i)));
        results.push(summarize(name, "model", &trace, args));
    }
    let seed_peak = results[0].peak_attempts as f64;
    let limit = results[0].back99_ms.map(|t| t + CAP_MS);
    for r in &mut results {
        r.peak_cut = if r.peak_attempts == 0 { 0.0 } else { seed_peak / r.peak_attempts as f64 };
        r.meets_target = r.peak_cut >= 10.0 && matches!((r.back99_ms, limit), (Some(t), Some(l)) if t <= l);
    }
    StormReport {
        clients: args.clients,
        outage_ms: args.outage_ms,
        fail_ms: args.fail_ms,
        window_ms: args.window_ms,
        back99_limit_ms: limit,
        results,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(clients: u32) -> StormArgs {
        StormArgs { clients, outage_ms: 10_000, fail_ms: 50, window_ms: 100, seed: 7 }
    }

    #[test]
    fn seed_formula_reconnects_in_lockstep_at_the_seed_times() {
        let a = args(1000);
        let trace = simulate(&a, |i| CoreClient::connected(Some(0.0), client_seed(1, i)));
        // Attempts at 1 s, 3.05 s, 7.1 s (all failing) and 15.15 s (server back), each +50 ms to settle.
        let mut expected = Vec::new();
        for t in [1000, 3050, 7100, 15_150] {
            expected.extend(std::iter::repeat_n(t, 1000));
        }
        assert_eq!(trace.attempts, expected);
        assert_eq!(trace.back, vec![15_200; 1000]);
        assert_eq!(peak_in_window(&trace.attempts, 100), 1000);
        assert_eq!(trace.failed, 0);
    }

    #[test]
    fn the_model_matches_the_core_on_the_seed_formula() {
        let a = args(200);
        let core = simulate(&a, |i| CoreClient::connected(Some(0.0), client_seed(1, i)));
        let model = simulate(&a, |i| ModelClient::connected(rule_seed, client_seed(1, i)));
        assert_eq!(core.attempts, model.attempts);
        assert_eq!(core.back, model.back);
        assert_eq!(core.failed, model.failed);
    }

    #[test]
    fn the_model_matches_the_core_on_the_default_jitter() {
        // The core's default: the seed's delay scaled by a factor in [0.5, 2), capped, drawn
        // from the same stream.
        fn rule_default(_attempt: u32, _prev: u64, ceiling: u64, rng: &mut Rng) -> u64 {
            ((ceiling as f64 * (0.5 + 1.5 * rng.next_unit())) as u64).min(30_000)
        }
        let a = args(500);
        let core = simulate(&a, |i| CoreClient::connected(None, client_seed(9, i)));
        let model = simulate(&a, |i| ModelClient::connected(rule_default, client_seed(9, i)));
        assert_eq!(core.attempts, model.attempts);
        assert_eq!(core.back, model.back);
    }

    #[test]
    fn an_outage_longer_than_every_attempt_leaves_clients_failed() {
        // 1 + 2 + 4 + 8 + 16 s of delays: a 40 s outage outlasts the five attempts.
        let a = StormArgs { outage_ms: 40_000, ..args(100) };
        let trace = simulate(&a, |i| CoreClient::connected(Some(0.0), client_seed(1, i)));
        assert_eq!(trace.failed, 100);
        assert!(trace.back.is_empty());
        assert_eq!(trace.attempts.len(), 500);
        assert_eq!(back_by(&trace, 100, 0.99), None);
    }

    #[test]
    fn the_default_policy_meets_the_storm_target() {
        // Issue 6: at least a 10x lower peak than the seed formula, 99 % back within its time + 30 s.
        let report = run(&args(20_000));
        let default = report.results.iter().find(|r| r.policy == "planwire default").expect("default row");
        assert!(default.peak_cut >= 10.0, "peak cut only {:.1}x", default.peak_cut);
        assert!(default.meets_target, "{default:?}");
        assert_eq!(default.failed, 0);
    }

    #[test]
    fn default_jitter_spreads_the_first_wave() {
        let a = args(10_000);
        let trace = simulate(&a, |i| CoreClient::connected(None, client_seed(3, i)));
        // Without jitter all 10,000 would start their first attempt in the same millisecond.
        assert!(peak_in_window(&trace.attempts, 100) < 10_000 / 2);
        assert_eq!(trace.failed, 0);
    }
}

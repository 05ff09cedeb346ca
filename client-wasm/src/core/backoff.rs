//! Reconnection policy: seed 000's `min(base · 2^attempt, cap)`, with jitter drawn from an
//! injected random source so that many clients do not reconnect in lockstep.

use super::options::Options;

/// xorshift64*: a tiny, seedable random source (the browser glue seeds it from `Math.random`).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed` (0 is replaced by a fixed odd constant: xorshift needs a non-zero state).
    pub fn new(seed: u64) -> Rng {
        Rng(if seed == 0 { 0x9E37_79B9_7F4A_7C15 } else { seed })
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number uniformly drawn from `[0, 1)`.
    pub fn next_unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The backoff schedule and attempt limit.
#[derive(Clone, Debug, PartialEq)]
pub struct Backoff {
    base_ms: u64,
    cap_ms: u64,
    jitter: f64,
    max_attempts: Option<u32>,
}

impl Backoff {
    /// The policy the options describe.
    pub fn new(options: &Options) -> Backoff {
        Backoff {
            base_ms: options.base_delay_ms,
            cap_ms: options.max_delay_ms,
            jitter: options.jitter,
            max_attempts: options.max_attempts,
        }
    }

    /// Seed 000's delay before retry `attempt` (0-based): `min(base · 2^attempt, cap)`.
    pub fn ceiling(&self, attempt: u32) -> u64 {
        // A shift with its overflow checked by hand: u64 `checked_mul` links a 128-bit multiply
        // (`__multi3`, 100 B) on wasm32.
        match u64::MAX.checked_shr(attempt) {
            Some(room) if self.base_ms <= room => (self.base_ms << attempt).min(self.cap_ms),
            _ => self.cap_ms,
        }
    }

    /// The delay actually used: the seed's delay `d` scaled by a random factor drawn uniformly
    /// from `[1 − jitter, 1 + 2·jitter]` (with the default 0.5: `[d/2, 2d]`), never above the cap,
    /// and exactly `d` with `jitter == 0`. Spreading above the seed's delay as well as below it is
    /// what breaks up a reconnect storm: the first wave cannot spread over less than a second
    /// otherwise (`npm run bench`, section storm).
    pub fn delay(&self, attempt: u32, rng: &mut Rng) -> u64 {
        let ceiling = self.ceiling(attempt);
        if self.jitter == 0.0 {
            return ceiling;
        }
        let factor = 1.0 - self.jitter + 3.0 * self.jitter * rng.next_unit();
        ((ceiling as f64 * factor) as u64).min(self.cap_ms)
    }

    /// Whether retry number `attempt` (0-based) is allowed.
    pub fn allows(&self, attempt: u32) -> bool {
        !matches!(self.max_attempts, Some(max) if attempt >= max)
    }
}

#[cfg(test)]
mod tests {
    use super::Backoff;

    #[test]
    fn ceiling_is_base_times_two_to_the_attempt_capped() {
        let bases = [0, 1, 3, 1000, 30_000, 1 << 40, (1 << 63) - 1, 1 << 63, u64::MAX - 1, u64::MAX];
        for base_ms in bases {
            for cap_ms in [0, 1000, u64::MAX] {
                let b = Backoff { base_ms, cap_ms, jitter: 0.0, max_attempts: None };
                for attempt in 0..=70 {
                    let expected = 1u64
                        .checked_shl(attempt)
                        .and_then(|factor| base_ms.checked_mul(factor))
                        .map_or(cap_ms, |d| d.min(cap_ms));
                    assert_eq!(b.ceiling(attempt), expected, "base {base_ms}, cap {cap_ms}, attempt {attempt}");
                }
            }
        }
        let b = Backoff { base_ms: 1, cap_ms: u64::MAX, jitter: 0.0, max_attempts: None };
        assert_eq!(b.ceiling(u32::MAX), u64::MAX);
    }
}

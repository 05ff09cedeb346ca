//! Small statistics helpers shared by the benchmarks.

/// The `q`-quantile (0..=1) of `sorted` by the nearest-rank method; `None` when empty.
pub fn quantile(sorted: &[u64], q: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// The largest number of `sorted` timestamps falling in any half-open window `[t, t + width)`.
pub fn peak_in_window(sorted: &[u64], width: u64) -> usize {
    let mut peak = 0;
    let mut start = 0;
    for (end, &t) in sorted.iter().enumerate() {
        while sorted[start] + width <= t {
            start += 1;
        }
        peak = peak.max(end + 1 - start);
    }
    peak
}

/// Microseconds to milliseconds, for reporting.
pub fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_uses_nearest_rank() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(quantile(&v, 0.5), Some(50));
        assert_eq!(quantile(&v, 0.99), Some(99));
        assert_eq!(quantile(&v, 1.0), Some(100));
        assert_eq!(quantile(&v, 0.0), Some(1));
        assert_eq!(quantile(&[], 0.5), None);
    }

    #[test]
    fn peak_counts_the_densest_window() {
        // Three events inside 100 ms around t=1000, two elsewhere.
        let v = [0, 500, 1000, 1050, 1099, 1100, 5000];
        assert_eq!(peak_in_window(&v, 100), 3);
        assert_eq!(peak_in_window(&v, 101), 4);
        assert_eq!(peak_in_window(&[], 100), 0);
        // Simultaneous events all count.
        assert_eq!(peak_in_window(&[7, 7, 7], 1), 3);
    }
}

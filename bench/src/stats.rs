//! Interleaved rounds and medians: how the bench copes with a noisy machine.
//!
//! A shared 2-core VM slows down and speeds up by tens of percent within a
//! minute (other processes' builds, the host's other guests, CPU frequency).
//! Measuring server A five times and then server B five times would credit
//! A or B with whatever the machine did meanwhile. So every round measures
//! each server once, the rounds repeat, and the report takes each server's
//! median: a slow minute costs every server one sample, and the median
//! drops it.

/// The order of the runs: `rounds` rounds, each running every one of
/// `items` once. Each round starts one item further along (A B C, B C A,
/// C A B, …), so no item always runs first (after a fresh build, say) or
/// always right after the same neighbour.
pub fn schedule(rounds: usize, items: usize) -> Vec<(usize, usize)> {
    (0..rounds)
        .flat_map(|round| {
            (0..items).map(move |i| (round, (round + i) % items.max(1)))
        })
        .collect()
}

/// Runs `measure(round, item)` in [`schedule`] order; returns the samples
/// of each item, in item order. `None` (a failed run) leaves no sample.
pub fn interleave<T, S>(
    rounds: usize,
    items: &[T],
    mut measure: impl FnMut(usize, &T) -> Option<S>,
) -> Vec<Vec<S>> {
    let mut samples: Vec<Vec<S>> = items.iter().map(|_| Vec::new()).collect();
    for (round, i) in schedule(rounds, items.len()) {
        if let Some(sample) = measure(round, &items[i]) {
            samples[i].push(sample);
        }
    }
    samples
}

/// The median: the middle value, or the mean of the two middle ones.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// How far apart the samples are: (max − min) / median, as a fraction.
pub fn spread(values: &[f64]) -> Option<f64> {
    let median = median(values)?;
    let max = values.iter().copied().fold(f64::MIN, f64::max);
    let min = values.iter().copied().fold(f64::MAX, f64::min);
    (median != 0.0).then(|| (max - min) / median.abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_even_and_no_samples() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[7.0]), Some(7.0));
        assert_eq!(median(&[]), None);
        // One slow outlier does not move it.
        assert_eq!(median(&[100.0, 101.0, 5.0, 99.0, 102.0]), Some(100.0));
    }

    #[test]
    fn spread_is_range_over_median() {
        assert_eq!(spread(&[90.0, 100.0, 110.0]), Some(0.2));
        assert_eq!(spread(&[5.0]), Some(0.0));
        assert_eq!(spread(&[]), None);
    }

    #[test]
    fn rounds_interleave_and_rotate() {
        assert_eq!(
            schedule(3, 2),
            [(0, 0), (0, 1), (1, 1), (1, 0), (2, 0), (2, 1)]
        );
        assert_eq!(schedule(2, 3)[3..], [(1, 1), (1, 2), (1, 0)]);
        assert!(schedule(4, 0).is_empty());
    }

    #[test]
    fn interleave_runs_every_item_once_per_round_and_groups_samples() {
        let mut order = Vec::new();
        let samples = interleave(3, &["a", "b"], |round, item| {
            order.push(format!("{item}{round}"));
            // "b" fails in round 1: no sample.
            (!(round == 1 && *item == "b")).then_some(round)
        });
        assert_eq!(order, ["a0", "b0", "b1", "a1", "a2", "b2"]);
        assert_eq!(samples, vec![vec![0, 1, 2], vec![0, 2]]);
    }
}

"""Latency histograms: percentiles, rescaling and the rank test read back what the buckets hold."""

import math

import pytest

from vamp.core.latency_buckets import latency_bounds
from vamp.core.releases import ranks

BOUNDS = (1.0, 2.0, 4.0, math.inf)


def test_per_bucket_counts_come_from_cumulative_ones() -> None:
    assert ranks.per_bucket((10, 20, 40, 40)) == [10, 10, 20, 0]


def test_only_increasing_bounds_to_infinity_with_cumulative_counts_are_histograms() -> None:
    assert ranks.is_histogram(BOUNDS, (10, 20, 40, 40))
    assert not ranks.is_histogram(BOUNDS, (10, 5, 40, 40))
    assert not ranks.is_histogram((1.0, 2.0, 4.0), (10, 20, 40))
    assert not ranks.is_histogram((2.0, 1.0, math.inf), (1, 2, 3))
    assert not ranks.is_histogram((), ())


def test_percentiles_are_interpolated_within_their_bucket() -> None:
    counts = (10, 20, 40, 40)
    assert ranks.percentile(BOUNDS, counts, 25.0) == pytest.approx(1.0)
    assert ranks.percentile(BOUNDS, counts, 50.0) == pytest.approx(2.0)
    # 75 % is half way through the bucket from 2 to 4 ms, on a log scale.
    assert ranks.percentile(BOUNDS, counts, 75.0) == pytest.approx(2.0 * math.sqrt(2.0))
    assert ranks.percentile(BOUNDS, (0, 0, 0, 0), 50.0) is None


def test_a_percentile_in_the_last_bucket_is_its_lower_bound() -> None:
    assert ranks.percentile(BOUNDS, (0, 0, 1, 10), 99.0) == 4.0


def test_scaling_moves_requests_into_slower_buckets() -> None:
    # Twice as slow: what took at most 1 ms now takes at most 2 ms.
    assert ranks.scaled(BOUNDS, (10, 20, 40, 40), 2.0, BOUNDS) == pytest.approx([5.0, 10.0, 20.0, 40.0])
    assert ranks.scaled(BOUNDS, (10, 20, 40, 40), 1.0, BOUNDS) == pytest.approx([10.0, 20.0, 40.0, 40.0])


def test_scaling_onto_other_bounds_keeps_every_request() -> None:
    bounds = latency_bounds()
    counts = tuple(min(index * 10, 500) for index in range(len(bounds)))
    moved = ranks.scaled(bounds, counts, 1.2, (3.0, 30.0, math.inf))
    assert moved[-1] == counts[-1]
    assert moved[0] <= moved[1] <= moved[2]


def test_the_rank_sum_counts_slower_pairs_and_half_the_ties() -> None:
    test = ranks.mann_whitney([1, 1, 0], [0, 1, 1])
    assert test is not None
    # Pairs: candidate 2 beats baseline 1, ties baseline 2; candidate 3 beats both: 1 + 0.5 + 1 + 1.
    assert test.u == 3.5
    assert test.mean == 2.0
    # Tie correction: 2 x 2 pairs / 12 x (5 - (2^3 - 2) / (4 x 3)) = 1.5.
    assert test.deviation == pytest.approx(math.sqrt(1.5))
    assert test.z == pytest.approx(1.5 / math.sqrt(1.5))
    assert test.probability == pytest.approx(0.875)


def test_the_same_histogram_on_both_sides_has_no_rank_difference() -> None:
    test = ranks.mann_whitney([5, 50, 30, 15], [5, 50, 30, 15])
    assert test is not None
    assert test.z == pytest.approx(0.0)


def test_an_empty_side_has_no_rank_test() -> None:
    assert ranks.mann_whitney([0, 0], [3, 4]) is None


def test_bounds_must_start_above_zero_and_counts_at_zero_or_more() -> None:
    assert not ranks.is_histogram((0.0, 1.0, math.inf), (0, 1, 2))
    assert ranks.is_histogram((0.5, 1.0, math.inf), (0, 1, 2))
    assert not ranks.is_histogram((1.0, 2.0, math.inf), (-1, 1, 2))
    assert not ranks.is_histogram((1.0, 2.0, math.inf), (1, 2))


def test_below_reads_bounds_exactly_and_beyond_the_last_finite_one() -> None:
    counts = (10, 20, 40, 50)
    assert ranks.below(BOUNDS, counts, 0.0) == 0.0
    assert ranks.below(BOUNDS, counts, 0.5) == pytest.approx(5.0)  # half of the first bucket, from 0
    assert ranks.below(BOUNDS, counts, 2.0) == 20.0
    assert ranks.below(BOUNDS, counts, 100.0) == 40.0  # the slowest 10 may be slower still
    assert ranks.below(BOUNDS, counts, math.inf) == 50.0


def test_a_percentile_in_the_first_bucket_is_read_from_zero() -> None:
    assert ranks.percentile(BOUNDS, (10, 20, 40, 40), 12.5) == pytest.approx(0.5)
    assert ranks.percentile(BOUNDS, (0, 20, 40, 40), 25.0) == pytest.approx(math.sqrt(2.0))


def test_one_request_on_each_side_has_a_rank_test() -> None:
    test = ranks.mann_whitney([1, 0], [0, 1])
    assert test is not None
    assert (test.u, test.mean, test.probability) == (1.0, 0.5, 1.0)
    assert test.deviation == pytest.approx(math.sqrt(0.25))
    assert test.z == pytest.approx(1.0)


def test_repeated_bounds_are_not_a_histogram() -> None:
    assert not ranks.is_histogram((1.0, 1.0, math.inf), (1, 2, 3))


def test_scaling_keeps_every_request_at_the_infinite_bound() -> None:
    assert ranks.scaled(BOUNDS, (10, 20, 40, 50), 2.0, (8.0, math.inf)) == pytest.approx([40.0, 50.0])


def test_one_request_has_a_percentile() -> None:
    # Half of the one request lies below the middle of its bucket, on a log scale.
    assert ranks.percentile(BOUNDS, (0, 1, 1, 1), 50.0) == pytest.approx(math.sqrt(2.0))


def test_a_percentile_at_the_end_of_a_bucket_before_an_empty_one_is_that_bucket_bound() -> None:
    assert ranks.percentile(BOUNDS, (10, 20, 20, 40), 50.0) == pytest.approx(2.0)


def test_an_empty_candidate_has_no_rank_test() -> None:
    assert ranks.mann_whitney([3, 4], [0, 0]) is None


def test_sides_on_different_buckets_are_refused() -> None:
    with pytest.raises(ValueError, match="zip"):
        ranks.mann_whitney([1, 2], [1, 2, 3])


def test_two_requests_in_the_same_bucket_tie_with_no_deviation() -> None:
    test = ranks.mann_whitney([0, 1], [0, 1])
    assert test == ranks.RankSum(u=0.5, mean=0.5, deviation=0.0, z=0.0, probability=0.5)


def test_every_request_in_one_bucket_shows_no_difference() -> None:
    test = ranks.mann_whitney([0, 3], [0, 2])
    assert test == ranks.RankSum(u=3.0, mean=3.0, deviation=0.0, z=0.0, probability=0.5)

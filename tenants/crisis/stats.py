"""The crisis detector's statistics: a quantile, a variance-stabilised count, and the tails its tests read.

Pure functions, no state: the baseline (`baseline.py`) and the detector (`detector.py`) read them.
"""
import math


def quantile(values, q):
    """The q-quantile of values, interpolated between the two nearest (0 for none)."""
    values = sorted(values)
    if not values:
        return 0.0
    position = q * (len(values) - 1)
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


def volume_z(count, expected, dispersion=1.0):
    """How far a count is above its expected value, on a variance-stabilised (Anscombe) scale."""
    return 2 * (math.sqrt(count + 0.375) - math.sqrt(max(expected, 0.0) + 0.375)) / math.sqrt(dispersion)


def negative_tail(k, n, share, strength):
    """The chance of k or more negatives among n mentions when the usual share is `share`.

    Beta-binomial with the baseline's weight (`strength` mentions), so that a short history or a
    share that wanders from hour to hour asks for more evidence; exact up to 80 mentions, a
    normal approximation beyond.
    """
    if k <= 0 or n <= 0:
        return 1.0
    a, b = share * strength, (1 - share) * strength
    if n > 80:
        rho = 1 / (strength + 1)
        sd = math.sqrt(n * share * (1 - share) * (1 + (n - 1) * rho))
        return 0.5 * math.erfc((k - 0.5 - n * share) / (sd * math.sqrt(2))) if sd > 0 else 0.0
    lbeta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    choose = math.lgamma(n + 1)
    tail = 0.0
    for j in range(k, n + 1):
        tail += math.exp(choose - math.lgamma(j + 1) - math.lgamma(n - j + 1) + math.lgamma(j + a)
                         + math.lgamma(n - j + b) - math.lgamma(n + a + b) - lbeta)
    return min(1.0, tail)


def poisson_tail(k, mean):
    """The chance of k or more events when mean are expected (a Poisson's upper tail)."""
    term = math.exp(-mean)
    below = 0.0
    for j in range(k):
        below += term
        term *= mean / (j + 1)
    return max(1.0 - below, term, 1e-300)

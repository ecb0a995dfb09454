"""Fixed-window rate limits kept in Redis (shared by every web process)."""
from saas.jobs import redis_connection


def too_many(key, limit, window):
    """Count one hit on `key`; tell whether it is over `limit` within `window` seconds."""
    name = f"relais:rl:{key}"
    pipe = redis_connection().pipeline()
    pipe.incr(name)
    pipe.expire(name, window, nx=True)
    count, _ = pipe.execute()
    return count > limit


def is_blocked(key, limit):
    """Tell whether `key` is already over `limit` without counting a hit."""
    value = redis_connection().get(f"relais:rl:{key}")
    return value is not None and int(value) >= limit


def reset(key):
    """Forget the hits on `key` (for example after a successful login)."""
    redis_connection().delete(f"relais:rl:{key}")

/** A token bucket per user, per instance: `requests` tokens, refilled continuously over `windowSeconds`. */
export interface RateLimitPolicy {
  requests: number;
  windowSeconds: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Seconds until the bucket is full again (the draft's `t` for the quota). */
  resetSeconds: number;
  /** Seconds until one token is available: the Retry-After of a refused request. */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Buckets that are full again carry no information and are dropped; the map never exceeds this. */
const MAX_BUCKETS = 100_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perSecond: number;

  constructor(
    readonly policy: RateLimitPolicy,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.perSecond = policy.requests / policy.windowSeconds;
  }

  /** Takes `cost` tokens, all or none: a request that costs more than is left is refused. */
  take(subject: string, cost = 1): RateLimitDecision {
    const now = this.now();
    const capacity = this.policy.requests;
    const bucket = this.buckets.get(subject) ?? { tokens: capacity, updatedAt: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.perSecond);
    bucket.updatedAt = now;
    // A cost above the capacity could never be paid: it takes the whole bucket instead.
    const price = Math.min(cost, capacity);
    const allowed = bucket.tokens >= price;
    if (allowed) bucket.tokens -= price;
    this.remember(subject, bucket);
    return {
      allowed,
      remaining: Math.floor(bucket.tokens),
      resetSeconds: Math.ceil((capacity - bucket.tokens) / this.perSecond),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((price - bucket.tokens) / this.perSecond)),
    };
  }

  private remember(subject: string, bucket: Bucket) {
    // Re-inserting keeps the map in least-recently-used order, so eviction drops the idlest.
    this.buckets.delete(subject);
    this.buckets.set(subject, bucket);
    if (this.buckets.size > MAX_BUCKETS) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
  }
}

import type { Dependency } from '../dependency.js';

/**
 * Remembers each token's `jti` for as long as the token could be accepted, so that a captured token cannot be
 * replayed (spec "Trusting CDS Clients": jti "used to protect against replay attacks").
 */
export interface ReplayStore {
  /** Records `key` until `expiresAtMs` (epoch ms); resolves false when it is already recorded: a replay. */
  claim(key: string, expiresAtMs: number): Promise<boolean>;
  /** Resolves once the store can answer (start-up waits for it before reporting ready). */
  ready(): Promise<void>;
  close(): Promise<void>;
  /** A store outside the process (Redis), checked by /readyz; absent for the in-process stores. */
  readonly dependency?: Dependency;
}

/** The store cannot answer; the verifier fails closed (the call is refused, never let through unchecked). */
export class ReplayStoreUnavailable extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'ReplayStoreUnavailable';
  }
}

/**
 * In-process store, the default: one instance of the service. Bounded: expired entries are swept, and when the
 * store is full of live entries it fails closed rather than forget a `jti` that could then be replayed. Only
 * tokens with a valid signature from a trusted client reach it, and each lives at most JWT_MAX_AGE_SECONDS.
 */
export class MemoryReplayStore implements ReplayStore {
  private readonly entries = new Map<string, number>();
  private readonly capacity: number;
  private readonly now: () => number;
  private nextSweepAt = 0;

  constructor(options: { capacity?: number; now?: () => number } = {}) {
    this.capacity = options.capacity ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  claim(key: string, expiresAtMs: number): Promise<boolean> {
    const now = this.now();
    if (now >= this.nextSweepAt || this.entries.size >= this.capacity) {
      this.sweep(now);
    }
    const seen = this.entries.get(key);
    if (seen !== undefined && seen > now) {
      return Promise.resolve(false);
    }
    if (this.entries.size >= this.capacity) {
      return Promise.reject(new ReplayStoreUnavailable(`the jti store holds ${String(this.capacity)} live entries`));
    }
    this.entries.set(key, expiresAtMs);
    return Promise.resolve(true);
  }

  /** Live entries (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  ready(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.entries.clear();
    return Promise.resolve();
  }

  private sweep(now: number): void {
    for (const [key, expiresAt] of this.entries) {
      if (expiresAt <= now) {
        this.entries.delete(key);
      }
    }
    this.nextSweepAt = now + 60_000;
  }
}

/**
 * Something outside the process the service needs to answer calls: the Redis `jti` store, the PostgreSQL or file
 * feedback store. `/readyz` checks each (src/http/readiness.ts), so that a load balancer stops sending calls the
 * service would have to refuse.
 */
export interface Dependency {
  /** For people and logs, naming the setting that points at it: `Redis replay store (REDIS_URL)`. */
  readonly name: string;
  /** Resolves when the dependency answers; rejects when it cannot be reached. */
  check(): Promise<void>;
}

import { randomBytes } from 'node:crypto';

/**
 * What the demo authorization server remembers between the steps of a SMART App Launch 2.0 (development only): the
 * launch contexts an "EHR" created, the authorization codes handed to the app, and the access tokens it got for
 * them. In memory, short-lived and bounded: a restart forgets every launch, which is what a demo wants.
 */
export interface LaunchContext {
  readonly patient: string;
  /** CDS Hooks Link.appContext, handed back in the token response (spec "Link"). */
  readonly appContext?: string;
}

export interface Grant {
  readonly clientId: string;
  readonly patient: string;
  /** The scopes granted, space-separated. */
  readonly scope: string;
}

export interface PendingCode extends Grant {
  readonly appContext?: string;
  readonly redirectUri: string;
  /** PKCE S256 challenge (RFC 7636 section 4.2), checked at the token endpoint. */
  readonly codeChallenge: string;
}

/** Lifetimes, seconds. A code is redeemed within seconds of its redirect; a launch is used as soon as it is made. */
export const LIFETIMES = { launch: 600, code: 120, token: 3600 } as const;

/** Most entries of each kind kept: a flood of launches cannot grow the process without bound. */
const MAX_ENTRIES = 10_000;

class ExpiringMap<T> {
  private readonly entries = new Map<string, { value: T; expires: number }>();

  constructor(
    private readonly lifetimeSeconds: number,
    private readonly now: () => number
  ) {}

  add(value: T): string {
    const key = randomBytes(24).toString('base64url');
    const now = this.now();
    for (const [k, entry] of this.entries) {
      // Insertion order is expiry order: stop at the first live entry once there is room.
      if (entry.expires > now && this.entries.size < MAX_ENTRIES) {
        break;
      }
      this.entries.delete(k);
    }
    this.entries.set(key, { value, expires: now + this.lifetimeSeconds * 1000 });
    return key;
  }

  get(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined || entry.expires <= this.now()) {
      return undefined;
    }
    return entry.value;
  }

  take(key: string): T | undefined {
    const value = this.get(key);
    this.entries.delete(key);
    return value;
  }
}

export class SmartGrants {
  readonly tokenLifetimeSeconds = LIFETIMES.token;
  private readonly launches: ExpiringMap<LaunchContext>;
  private readonly codes: ExpiringMap<PendingCode>;
  private readonly tokens: ExpiringMap<Grant>;

  constructor(now: () => number = Date.now) {
    this.launches = new ExpiringMap(LIFETIMES.launch, now);
    this.codes = new ExpiringMap(LIFETIMES.code, now);
    this.tokens = new ExpiringMap(LIFETIMES.token, now);
  }

  /** A new launch id for this context (the `launch` parameter of an EHR launch). */
  createLaunch(context: LaunchContext): string {
    return this.launches.add(context);
  }

  launch(id: string): LaunchContext | undefined {
    return this.launches.get(id);
  }

  createCode(code: PendingCode): string {
    return this.codes.add(code);
  }

  /** A code is good once (RFC 6749 section 4.1.2): taking it removes it, whether the exchange then succeeds or not. */
  redeemCode(code: string): PendingCode | undefined {
    return this.codes.take(code);
  }

  createToken(grant: Grant): string {
    return this.tokens.add(grant);
  }

  /** The grant behind an access token this server issued, while it is valid. */
  tokenGrant(token: string): Grant | undefined {
    return this.tokens.get(token);
  }
}

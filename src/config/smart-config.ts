/** Settings of the SMART app served under /smart/ (docs/smart-app.md "Configuration"). */
import { ConfigError, type Env } from './env-readers.js';

export interface SmartConfig {
  /** The client_id the app presents to the EHR's authorization server (registered there as a public client). */
  readonly clientId: string;
  /**
   * Origins of the EHR the app works with: its FHIR server and authorization server (the app's pages may connect to
   * them) and the pages that frame the app (frame-ancestors). `undefined` (development without the setting): any
   * http(s) origin. Production without the setting: none but the service's own (the demo FHIR server's).
   */
  readonly ehrOrigins: readonly string[] | undefined;
}

export function smartConfig(env: Env, mode: 'development' | 'production'): SmartConfig {
  const clientId = env['SMART_CLIENT_ID']?.trim() || 'ctd-neuropathy-cds';
  if (!/^[A-Za-z0-9._~:/-]{1,200}$/.test(clientId)) {
    throw new ConfigError('SMART_CLIENT_ID', 'must be 1 to 200 URL-safe characters');
  }
  const raw = env['SMART_EHR_ORIGINS'];
  if (raw === undefined || raw.trim() === '') {
    return { clientId, ehrOrigins: mode === 'production' ? [] : undefined };
  }
  const ehrOrigins = raw
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '')
    .map((o) => {
      let parsed: URL;
      try {
        parsed = new URL(o);
      } catch {
        throw new ConfigError('SMART_EHR_ORIGINS', `'${o}' is not an origin such as https://ehr.example.org`);
      }
      if (!['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== o.replace(/\/$/, '')) {
        throw new ConfigError('SMART_EHR_ORIGINS', `'${o}' is not an origin (scheme, host and port, no path)`);
      }
      return parsed.origin;
    });
  return { clientId, ehrOrigins };
}

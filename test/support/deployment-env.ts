import { spawnSync } from 'node:child_process';
import { parseConfig, type Config } from '../../src/config.js';

/**
 * The environment a deployment file (Dockerfile, compose.yaml, Kubernetes manifests) gives the service, checked
 * the way start-up checks it: parseConfig accepts every value, and every variable set is one the service reads, so
 * that a misspelt name (WORKER for WORKERS) fails here instead of being silently ignored in production.
 */
export interface CheckedEnv {
  readonly config: Config;
  /** Variables set but never read by parseConfig (and not read by Node itself). */
  readonly unread: readonly string[];
}

/** Read by Node or the C library, not by parseConfig. */
const READ_BY_NODE = new Set(['NODE_OPTIONS', 'TZ']);

export function checkServiceEnv(env: Readonly<Record<string, string>>): CheckedEnv {
  const read = new Set<string>();
  const tracked = new Proxy(env, {
    get(target, name) {
      if (typeof name === 'string') {
        read.add(name);
      }
      return Reflect.get(target, name) as unknown;
    },
  });
  const config = parseConfig(tracked);
  return { config, unread: Object.keys(env).filter((name) => !read.has(name) && !READ_BY_NODE.has(name)) };
}

/** Node refuses an option NODE_OPTIONS may not carry (or one it does not know): a process start tells. */
export function nodeOptionsError(nodeOptions: string): string | undefined {
  const result = spawnSync(process.execPath, ['-e', '0'], {
    env: { PATH: process.env['PATH'], NODE_OPTIONS: nodeOptions },
    encoding: 'utf8',
  });
  return result.status === 0 ? undefined : result.stderr.trim();
}

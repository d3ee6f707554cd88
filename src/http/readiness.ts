import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Dependency } from '../dependency.js';
import { CdsError } from '../errors.js';

export interface Readiness {
  /** True once knowledge is loaded and the pipeline has been warmed. */
  ready: boolean;
  /** Checked on every `/readyz` once ready: any one unreachable makes the answer 503. */
  dependencies?: readonly Dependency[];
}

/** A probe waits at most this long for a dependency (a Kubernetes probe's default timeout is 1 s). */
export const CHECK_TIMEOUT_MS = 800;

/**
 * GET /readyz: 503 while the service is starting or a dependency cannot be reached, naming the dependency in the
 * OperationOutcome; 200 again once it answers. Probes come every few seconds, so the log says what changed, once
 * per change of state (warn, without a stack trace: an outage is an operator's fact, not a bug), not once per probe.
 */
export function readinessRoute(
  readiness: Readiness,
  logger: Logger,
  details: () => Record<string, unknown>
): RequestHandler {
  let lastDown: string[] = [];
  return async (_req, res) => {
    if (!readiness.ready) {
      send(res, new CdsError('not-ready', 'Knowledge is loading or the pipeline is warming up.'));
      return;
    }
    const down = await unreachable(readiness.dependencies ?? []);
    const names = down.map((d) => d.name);
    if (names.join('\n') !== lastDown.join('\n')) {
      if (names.length > 0) {
        logger.warn(
          { unavailable: names, reasons: down.map((d) => d.reason) },
          `not ready: ${names.join(', ')} cannot be reached`
        );
      } else {
        logger.info({ recovered: lastDown }, 'ready again: every dependency answers');
      }
      lastDown = names;
    }
    if (down.length > 0) {
      send(
        res,
        new CdsError(
          'not-ready',
          names.map((name) => ({ message: `The ${name} cannot be reached.` }))
        )
      );
      return;
    }
    res.json({ status: 'ready', ...details() });
  };
}

/**
 * Answered here rather than thrown: the error handler logs every 5xx with its stack, which for a probe during an
 * outage would be one error per probe.
 */
function send(res: Parameters<RequestHandler>[1], error: CdsError): void {
  res.status(error.status).type('application/json').send(JSON.stringify(error.toOperationOutcome()));
}

async function unreachable(dependencies: readonly Dependency[]): Promise<{ name: string; reason: string }[]> {
  const results = await Promise.all(
    dependencies.map(async (dependency) => {
      try {
        await withTimeout(dependency.check(), CHECK_TIMEOUT_MS);
        return undefined;
      } catch (error) {
        return { name: dependency.name, reason: reasonOf(error) };
      }
    })
  );
  return results.filter((r) => r !== undefined);
}

/** A short, stable reason for the log: an error code or name, never a message that might carry a URL. */
function reasonOf(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') {
    return code;
  }
  return error instanceof Error ? error.name : 'unknown';
}

class CheckTimeout extends Error {
  constructor() {
    super('no answer in time');
    this.name = 'timeout';
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new CheckTimeout());
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
  });
}

import { callService, type PipelineDeps } from '../call-service.js';
import type { CdsRequest } from '../cds-hooks/types.js';
import type { RequestValidators } from '../cds-hooks/validate.js';
import { CdsError } from '../errors.js';
import { nestsDeeper } from '../http/json-depth.js';
import type { LoadedService } from '../knowledge/load-knowledge.js';
import { recordingObserver, type PipelineEvent } from './recording-observer.js';

/**
 * One call of a CDS Service (spec "Calling a CDS Service") from the request's bytes to the response's, so that it
 * can run in a worker thread: the main thread hands over bytes and gets back bytes, a status, the facts for its
 * log line and what the pipeline observer was told. It runs inline the same way (WORKERS=0, tests).
 */
export interface CallTask {
  readonly serviceId: string;
  /**
   * The request body as received (UTF-8 JSON, within the body limit), in the chunks it arrived in: joined where it
   * is parsed, in the worker thread, rather than on the main thread (src/http/body-chunks.ts).
   */
  readonly body: readonly Uint8Array[];
  readonly publicBaseUrl: string;
  /** LOG_PHI: return the patient, user and encounter ids for the log line (debug only). */
  readonly logPhi: boolean;
  /** The request's id (src/http/request-id.ts), for the lines a worker thread logs about this call. */
  readonly requestId?: string | undefined;
}

/** Request facts for the main thread's log line (ids only when LOG_PHI is on). */
export interface CallFacts {
  hook?: string;
  hookInstance?: string;
  cards?: number;
  patientId?: string;
  userId?: string;
  encounterId?: string;
}

export interface CallResult {
  readonly status: number;
  /** The response body: the CDS Hooks response, or an OperationOutcome. */
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly facts: CallFacts;
  readonly events: readonly PipelineEvent[];
}

export interface CallEnv {
  readonly services: ReadonlyMap<string, LoadedService>;
  readonly validators: RequestValidators;
  /** The pipeline; its observer is replaced by one that records, the caller replays the events. */
  readonly pipeline: Omit<PipelineDeps, 'observer'>;
  readonly maxJsonDepth: number;
}

/**
 * Refusals (CdsError) become results, so that their facts and events still reach the main thread; anything else
 * is a fault and is thrown.
 */
export async function evaluateCall(task: CallTask, env: CallEnv): Promise<CallResult> {
  const events: PipelineEvent[] = [];
  const facts: CallFacts = {};
  try {
    const service = env.services.get(task.serviceId);
    if (service === undefined) {
      throw new CdsError(
        'unknown-service',
        `There is no CDS Service '${task.serviceId}' here; GET /cds-services lists them.`
      );
    }
    const body = parseBody(task.body, env.maxJsonDepth);
    const hook = service.definition.hook;
    const claimed = typeof body === 'object' && body !== null ? (body as { hook?: unknown }).hook : undefined;
    if (typeof claimed === 'string' && claimed !== hook) {
      throw new CdsError('wrong-hook', [
        {
          message: `Service '${service.definition.id}' answers the '${hook}' hook, not '${claimed}'.`,
          expression: ['hook'],
        },
      ]);
    }
    const pipeline: PipelineDeps = { ...env.pipeline, observer: recordingObserver(events) };
    // The other stages are timed inside callService; validation happens here, at the edge (refusals included).
    const validateStart = performance.now();
    let request: CdsRequest;
    try {
      request = env.validators.request(body, hook);
    } finally {
      pipeline.observer.stage(service.definition.id, 'validate', (performance.now() - validateStart) / 1000);
    }
    facts.hook = request.hook;
    facts.hookInstance = request.hookInstance;
    if (task.logPhi) {
      facts.patientId = request.context.patientId;
      facts.userId = request.context.userId;
      if (request.context.encounterId !== undefined) {
        facts.encounterId = request.context.encounterId;
      }
    }
    const { response } = await callService(service, request, pipeline, task.publicBaseUrl);
    facts.cards = response.cards.length;
    return { status: 200, body: JSON.stringify(response), headers: {}, facts, events };
  } catch (error) {
    if (!(error instanceof CdsError)) {
      throw error;
    }
    return {
      status: error.status,
      body: JSON.stringify(error.toOperationOutcome()),
      headers: error.headers,
      facts,
      events,
    };
  }
}

/**
 * UTF-8 JSON within the nesting limit, an object or an array (body-parser's strict mode), or a 400. The nesting is
 * checked on the parsed value, before anything else walks it (src/http/json-depth.ts says why that order is safe).
 */
function parseBody(chunks: readonly Uint8Array[], maxDepth: number): unknown {
  const [only] = chunks;
  const buffer =
    chunks.length === 1 && only !== undefined
      ? Buffer.from(only.buffer, only.byteOffset, only.byteLength)
      : Buffer.concat(chunks);
  const text = buffer.toString('utf8');
  const first = /^[ \t\n\r]*(.)/.exec(text)?.[1];
  if (first !== '{' && first !== '[') {
    throw new CdsError('invalid-json', 'The request body is not valid JSON.');
  }
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    throw new CdsError('invalid-json', 'The request body is not valid JSON.');
  }
  if (nestsDeeper(body, maxDepth)) {
    throw new CdsError('invalid-json', 'The request body is nested deeper than this service accepts (MAX_JSON_DEPTH).');
  }
  return body;
}

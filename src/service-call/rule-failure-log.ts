import type { Logger } from 'pino';
import { silentObserver, type PipelineObserver } from '../call-service.js';
import { errorCode } from './recording-observer.js';

/**
 * Rule failures are logged: the rule id and the error's code only, because a JSONata error message can quote the
 * data it was evaluating. The route passes the request's logger, so the line carries the request id.
 */
export function ruleFailureLog(logger: Logger): PipelineObserver {
  return {
    ...silentObserver,
    ruleFailed: (service, ruleId, error) => {
      logger.error(
        { cdsService: service, ruleId, code: errorCode(error) },
        'rule condition failed; rule skipped for this request'
      );
    },
  };
}

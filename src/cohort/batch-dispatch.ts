import type { CohortTask, PatientLines, PatientOutcome } from './evaluate-patients.js';
import type { Evaluators } from './evaluator-pool.js';

/**
 * Hands batches to the evaluators and gives their outcomes back in the order the batches were sent, whatever order
 * the workers finish in (so that the CSV is the same with 1 or 8 workers). At most `window` batches are in flight:
 * enough to keep every worker busy, few enough that memory does not grow with the input.
 */
export class BatchDispatch {
  private readonly inflight: Promise<PatientOutcome[]>[] = [];
  private readonly window: number;
  private batch: PatientLines[] = [];
  private batchChars = 0;

  constructor(
    private readonly evaluators: Evaluators,
    private readonly consume: (outcomes: readonly PatientOutcome[]) => void,
    private readonly limits = { patients: 32, chars: 1024 * 1024 }
  ) {
    this.window = Math.max(2, evaluators.size * 4);
  }

  /** Adds an export's patient to the current batch, sending it when full. */
  async addPatient(patient: PatientLines): Promise<void> {
    this.batch.push(patient);
    this.batchChars += patient.lines.reduce((sum, line) => sum + line.length, 0);
    if (this.batch.length >= this.limits.patients || this.batchChars >= this.limits.chars) {
      await this.flushBatch();
    }
  }

  async send(task: CohortTask): Promise<void> {
    const outcomes = this.evaluators.run(task);
    // Awaited in order below; a rejection must not count as unhandled while an earlier batch is awaited.
    outcomes.catch(() => undefined);
    this.inflight.push(outcomes);
    while (this.inflight.length >= this.window) {
      await this.takeOldest();
    }
  }

  /** Sends what is batched and waits for every outcome. */
  async drain(): Promise<void> {
    await this.flushBatch();
    while (this.inflight.length > 0) {
      await this.takeOldest();
    }
  }

  private async flushBatch(): Promise<void> {
    if (this.batch.length > 0) {
      const patients = this.batch;
      this.batch = [];
      this.batchChars = 0;
      await this.send({ kind: 'patients', patients });
    }
  }

  private async takeOldest(): Promise<void> {
    const oldest = this.inflight.shift();
    if (oldest !== undefined) {
      this.consume(await oldest);
    }
  }
}

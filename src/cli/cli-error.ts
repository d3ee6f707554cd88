/**
 * The two ways a CLI run fails, each with its exit code: the command line is wrong (2, the usage is printed), or an
 * input file is unusable (1). Both carry a sentence for the user; neither ever prints a stack trace.
 */
export class UsageError extends Error {
  readonly exitCode = 2;

  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export class InputError extends Error {
  readonly exitCode = 1;

  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

import { run } from '../../src/cli/run.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The CLI in-process (`run` of src/cli/run.ts), with the service's settings at their defaults and logs off. */
export function cliInProcess(...args: string[]): Promise<CliRun> {
  return cliWithEnv({}, ...args);
}

/** The same, with some of the service's settings (KNOWLEDGE_DIR, SITE_CONFIG...). */
export async function cliWithEnv(env: Record<string, string>, ...args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    env: { LOG_LEVEL: 'silent', ...env },
  });
  return { code, stdout, stderr };
}

/** Neither output holds a stack trace (the CLI's contract: a sentence, never a trace). */
export function hasStackTrace(run: CliRun): boolean {
  return /\n\s+at /.test(run.stderr) || /\n\s+at /.test(run.stdout);
}

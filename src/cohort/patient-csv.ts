import { closeSync, openSync, writeSync } from 'node:fs';
import { InputError } from '../cli/cli-error.js';
import type { CardOutline } from './evaluate-patients.js';

/**
 * `cohort --csv FILE`: one row per patient with a card, for chart review. `rules` and `indicators` list the
 * patient's cards in card order (critical first), separated by `;`, so that the n-th indicator is the n-th rule's.
 * Rows are written as outcomes arrive (nothing is kept); RFC 4180 quoting.
 */
export const CSV_HEADER = 'patient_id,cards,rules,indicators';

export class PatientCsv {
  private readonly fd: number;
  private rows: string[] = [];

  constructor(readonly file: string) {
    try {
      this.fd = openSync(file, 'w');
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new InputError(`Cannot write the CSV file ${file}${typeof code === 'string' ? ` (${code})` : ''}.`);
    }
    writeSync(this.fd, `${CSV_HEADER}\r\n`);
  }

  add(patientId: string, cards: readonly CardOutline[]): void {
    if (cards.length > 0) {
      const fields = [
        patientId,
        String(cards.length),
        cards.map((c) => c.rule).join(';'),
        cards.map((c) => c.indicator).join(';'),
      ];
      this.rows.push(`${fields.map(csvField).join(',')}\r\n`);
      if (this.rows.length >= 256) {
        this.flush();
      }
    }
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  private flush(): void {
    if (this.rows.length > 0) {
      writeSync(this.fd, this.rows.join(''));
      this.rows = [];
    }
  }
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

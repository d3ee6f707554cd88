import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { createLogger } from '../../src/logger.js';
import type { Knowledge, LoadedService } from '../../src/knowledge/load-knowledge.js';
import { MappingError } from '../../src/mapping/jsonata-runtime.js';
import { expectCdsResponse, fixture, repositoryKnowledge, testService } from '../support/service.js';

const BROKEN = 'symmetric-neuropathy-vasculitis-not-excluded';

/** The repository's knowledge with one patient-view rule whose condition throws, quoting patient data. */
function knowledgeWithBrokenRule(): Knowledge {
  const knowledge = repositoryKnowledge();
  const services = new Map<string, LoadedService>();
  for (const [id, service] of knowledge.services) {
    services.set(id, {
      ...service,
      rules: service.rules.map((rule) =>
        rule.id === BROKEN
          ? {
              ...rule,
              condition: {
                file: `cards/${BROKEN}.jsonata`,
                evaluate: () =>
                  Promise.reject(new MappingError(`cards/${BROKEN}.jsonata`, 'U1001', 'timeout at Condition/cond-sle')),
              },
            }
          : rule
      ),
    });
  }
  return { ...knowledge, services };
}

describe('a rule whose condition fails', () => {
  test('is skipped and logged by id and code; the other rules still give their cards', async () => {
    const lines: string[] = [];
    const logger = createLogger('info', {
      write: (line: string) => {
        lines.push(line);
      },
    });
    const service = testService({}, { knowledge: knowledgeWithBrokenRule(), logger });
    const res = await request(service.app)
      .post('/cds-services/ctd-neuropathy-patient-view')
      .send(fixture('patient-view.ra-symmetric-polyneuropathy'))
      .expect(200);

    const rules = expectCdsResponse(res.body).cards.map((c) => c.source.topic?.code);
    expect(rules).not.toContain(BROKEN);
    expect(rules).toEqual(['neuropathy-workup-labs']);

    const failures = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['ruleId'] === BROKEN);
    expect(failures).toEqual([
      expect.objectContaining({ level: 50, cdsService: 'ctd-neuropathy-patient-view', code: 'U1001' }),
    ]);
    expect(lines.join('\n')).not.toContain('cond-sle');

    const metrics = await request(service.app).get('/metrics').expect(200);
    expect(metrics.text).toMatch(new RegExp(`^cds_rule_failures_total\\{rule="${BROKEN}"\\} 1$`, 'm'));
  });
});

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import request from 'supertest';
import { parseConfig } from '../../src/config.js';
import { loadKnowledge } from '../../src/knowledge/load-knowledge.js';
import { knowledgeCopy, removeKnowledgeCopies } from '../support/knowledge-copy.js';
import { expectCdsResponse, fixture, repositoryKnowledge, testService } from '../support/service.js';

afterEach(removeKnowledgeCopies);

const guardrails = { timeoutMs: 2000, stackDepth: 500 };
/** A request whose cards show the patient's weight (the mapping changed below). */
const FIXTURE = 'order-select.non-severe-vasculitic-prednisone-60mg';

describe('the expression engine', () => {
  test('the repository knowledge is compiled whole', () => {
    expect(repositoryKnowledge().expressions).toEqual({ engine: 'compiled', notCompiled: [] });
  });

  test('EXPRESSION_ENGINE chooses it; anything but compiled or jsonata is refused naming the variable', () => {
    expect(parseConfig({}).expressionEngine).toBe('compiled');
    expect(parseConfig({ EXPRESSION_ENGINE: 'jsonata' }).expressionEngine).toBe('jsonata');
    expect(() => parseConfig({ EXPRESSION_ENGINE: 'fast' })).toThrow(/EXPRESSION_ENGINE: 'fast' is not one of/);
  });

  test('an expression outside the compiled subset puts all the knowledge on jsonata, named, with the same cards', async () => {
    const dir = knowledgeCopy();
    const file = join(dir, 'mappings', 'weight.jsonata');
    // $substring is a JSONata built-in the compiler does not offer; the value is unchanged ("kg").
    writeFileSync(file, readFileSync(file, 'utf8').replace('" kg"', '$substring(" kg ", 0, 3)'));
    const knowledge = loadKnowledge({ knowledgeDir: dir, siteConfigFile: undefined, guardrails });
    expect(knowledge.expressions.engine).toBe('jsonata');
    expect(knowledge.expressions.notCompiled).toEqual([`${file}: $substring`]);

    const answer = async (k: typeof knowledge): Promise<unknown> => {
      const service = testService({ WORKERS: '0', PUBLIC_BASE_URL: 'http://127.0.0.1:3000' }, { knowledge: k });
      const res = await request(service.app)
        .post('/cds-services/ctd-neuropathy-order-select')
        .send(fixture(FIXTURE))
        .expect(200);
      return expectCdsResponse(res.body);
    };
    const fallback = await answer(knowledge);
    expect(JSON.stringify(fallback)).toContain(' kg');
    expect(fallback).toEqual(await answer(repositoryKnowledge()));
  });
});

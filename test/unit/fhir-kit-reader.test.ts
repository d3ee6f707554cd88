import nock from 'nock';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createFhirKitReader } from '../../src/fhir/fhir-kit-reader.js';
import { FetchFailure } from '../../src/fhir/fhir-reader.js';

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const signal = (): AbortSignal => AbortSignal.timeout(1000);

describe('fhir-kit-client adapter (the only module speaking HTTP to the FHIR server)', () => {
  test('sends the bearer token and returns the resource', async () => {
    const scope = nock('https://ehr.example.org', { reqheaders: { authorization: 'Bearer t0k', accept: /fhir\+json/ } })
      .get('/fhir/Condition')
      .query({ patient: '1' })
      .reply(200, { resourceType: 'Bundle', type: 'searchset', entry: [] });
    const reader = createFhirKitReader('https://ehr.example.org/fhir', 't0k');
    await expect(reader.get('Condition?patient=1', signal())).resolves.toMatchObject({ resourceType: 'Bundle' });
    scope.done();
  });

  test('without a token no Authorization header is sent (open servers such as the sandbox)', async () => {
    const scope = nock('https://open.example.org', { badheaders: ['authorization'] })
      .get('/r4/Patient/1')
      .reply(200, { resourceType: 'Patient', id: '1' });
    await createFhirKitReader('https://open.example.org/r4', undefined).get('Patient/1', signal());
    scope.done();
  });

  test('404 and 410 on a read mean "no data"', async () => {
    nock('https://ehr.example.org').get('/fhir/Patient/x').reply(404, { resourceType: 'OperationOutcome' });
    nock('https://ehr.example.org').get('/fhir/Patient/y').reply(410, '');
    const reader = createFhirKitReader('https://ehr.example.org/fhir', 't');
    await expect(reader.get('Patient/x', signal())).resolves.toBeNull();
    await expect(reader.get('Patient/y', signal())).resolves.toBeNull();
  });

  test.each([
    [401, 'unauthorized'],
    [403, 'unauthorized'],
    [400, 'refused'],
    [500, 'server-error'],
  ])('HTTP %i becomes a FetchFailure(%s)', async (status, reason) => {
    nock('https://ehr.example.org').get('/fhir/Condition').reply(status, { resourceType: 'OperationOutcome' });
    const error = await createFhirKitReader('https://ehr.example.org/fhir', 't')
      .get('Condition', signal())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FetchFailure);
    expect((error as FetchFailure).reason).toBe(reason);
  });

  test('network failure and timeout are told apart', async () => {
    nock('https://ehr.example.org').get('/fhir/A').replyWithError('ECONNRESET');
    nock('https://ehr.example.org').get('/fhir/B').delay(500).reply(200, { resourceType: 'Bundle' });
    const reader = createFhirKitReader('https://ehr.example.org/fhir', 't');
    expect(((await reader.get('A', signal()).catch((e: unknown) => e)) as FetchFailure).reason).toBe('network');
    expect(((await reader.get('B', AbortSignal.timeout(50)).catch((e: unknown) => e)) as FetchFailure).reason).toBe(
      'timeout'
    );
  });
});

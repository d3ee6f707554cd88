import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadTrustedClients } from '../../src/auth/trusted-clients.js';
import { configuredKnowledge } from '../../src/configured.js';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { ICronJob } from 'kubernetes-models/batch/v1/CronJob';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';
import { checkServiceEnv, nodeOptionsError } from '../support/deployment-env.js';
import {
  loadManifests,
  schemaErrors,
  typeErrors,
  type KubernetesObject,
  type Manifest,
} from '../support/kubernetes-schema.js';

/**
 * deploy/kubernetes/: every YAML file in it (the service's and any other, such as a batch Job) is valid against the
 * Kubernetes API schemas with no unknown field; then the service's own objects are checked against each other and
 * against what the service needs (docs/deployment.md "Kubernetes").
 */
const manifests = loadManifests();
const NAME = 'ctd-neuropathy-cds';

type Typed = IDeployment | IService | IHorizontalPodAutoscaler | IPodDisruptionBudget | IConfigMap | ISecret;

/** The object of that kind and name, typed by the caller (the schema tests below vouch for its shape). */
function find<T extends Typed>(kind: T['kind'], name: string): T {
  const found = manifests.find((m) => m.object.kind === kind && m.object.metadata.name === name);
  expect(found, `${kind} ${name} in deploy/kubernetes`).toBeDefined();
  return found?.object as unknown as T;
}

/** The pod specs of every workload in the folder (Deployments, Jobs, CronJobs). */
function podSpecs(): { source: string; spec: IPodSpec }[] {
  return manifests.flatMap(({ source, object }) => {
    const workload = object as unknown as IDeployment | IJob | ICronJob;
    const spec =
      workload.kind === 'CronJob'
        ? workload.spec?.jobTemplate.spec?.template.spec
        : ['Deployment', 'Job'].includes(workload.kind)
          ? workload.spec?.template.spec
          : undefined;
    return spec === undefined ? [] : [{ source, spec }];
  });
}

/** Every key of a ConfigMap's or Secret's data. */
function dataOf(kind: 'ConfigMap' | 'Secret', name: string): Record<string, string> | undefined {
  const object = manifests.find((m) => m.object.kind === kind && m.object.metadata.name === name)?.object as
    IConfigMap | ISecret | undefined;
  return object === undefined ? undefined : { ...object.data, ...(object.kind === 'Secret' ? object.stringData : {}) };
}

describe('every manifest in deploy/kubernetes', () => {
  test('the folder has the service objects', () => {
    const kinds = manifests.map((m) => `${m.object.kind}/${m.object.metadata.name}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        `Deployment/${NAME}`,
        `Service/${NAME}`,
        `HorizontalPodAutoscaler/${NAME}`,
        `PodDisruptionBudget/${NAME}`,
        `ConfigMap/${NAME}-settings`,
        `ConfigMap/${NAME}-site-config`,
        `Secret/${NAME}-secrets`,
      ])
    );
  });

  test.each(manifests.map((m): [string, Manifest] => [m.source, m]))(
    '%s is valid against the Kubernetes API schema',
    async (_source, { object }) => {
      expect(await schemaErrors(object)).toEqual([]);
    }
  );

  test('no manifest has a field the Kubernetes API does not know', () => {
    expect(Object.fromEntries(typeErrors(manifests))).toEqual({});
  });

  test('every ConfigMap and Secret a pod refers to is in the folder, with the keys it names', () => {
    const missing: string[] = [];
    const need = (source: string, kind: 'ConfigMap' | 'Secret', name: string | undefined, key?: string): void => {
      const data = dataOf(kind, name ?? '');
      if (data === undefined || (key !== undefined && !(key in data))) {
        missing.push(`${source}: ${kind} ${name ?? '(no name)'}${key === undefined ? '' : ` key ${key}`}`);
      }
    };
    for (const { source, spec } of podSpecs()) {
      for (const container of [...spec.containers, ...(spec.initContainers ?? [])]) {
        for (const { configMapRef, secretRef } of container.envFrom ?? []) {
          if (configMapRef !== undefined) {
            need(source, 'ConfigMap', configMapRef.name);
          }
          if (secretRef !== undefined) {
            need(source, 'Secret', secretRef.name);
          }
        }
        for (const { valueFrom } of container.env ?? []) {
          if (valueFrom?.configMapKeyRef !== undefined) {
            need(source, 'ConfigMap', valueFrom.configMapKeyRef.name, valueFrom.configMapKeyRef.key);
          }
          if (valueFrom?.secretKeyRef !== undefined) {
            need(source, 'Secret', valueFrom.secretKeyRef.name, valueFrom.secretKeyRef.key);
          }
        }
      }
      for (const { secret, configMap } of spec.volumes ?? []) {
        if (secret !== undefined) {
          for (const item of secret.items ?? [undefined]) {
            need(source, 'Secret', secret.secretName, item?.key);
          }
        }
        if (configMap !== undefined) {
          for (const item of configMap.items ?? [undefined]) {
            need(source, 'ConfigMap', configMap.name, item?.key);
          }
        }
      }
    }
    expect(missing).toEqual([]);
  });

  test('the checks find errors: a misspelt probe, a mistyped port, an unknown kind', async () => {
    const typo = structuredClone(find<IDeployment>('Deployment', NAME));
    const container = typo.spec!.template.spec!.containers[0]!;
    Object.assign(container, { readinesProbe: container.readinessProbe });
    const badPort = structuredClone(find<IDeployment>('Deployment', NAME));
    Object.assign(badPort.spec!.template.spec!.containers[0]!.ports![0]!, { containerPort: 'http' });
    expect(
      typeErrors([{ source: 'typo', object: typo as unknown as KubernetesObject }])
        .get('typo')
        ?.join()
    ).toMatch(/readinesProbe\W+ does not exist in type 'IContainer'/);
    expect((await schemaErrors(badPort as unknown as KubernetesObject)).join()).toMatch(
      /containerPort must be integer/
    );
    const unknown = { apiVersion: 'v1', kind: 'Deploymnt', metadata: { name: 'x' } };
    expect(await schemaErrors(unknown)).toEqual([
      'v1 Deploymnt is not a Kubernetes API object known to kubernetes-models',
    ]);
  });
});

describe('the service on Kubernetes', () => {
  const deployment = find<IDeployment>('Deployment', NAME);
  const pod = deployment.spec!.template.spec!;
  const container = pod.containers.find((c) => c.name === 'cds')!;
  const podLabels = deployment.spec!.template.metadata!.labels!;
  const selects = (selector: Record<string, string> | undefined): boolean =>
    selector !== undefined && Object.entries(selector).every(([k, v]) => podLabels[k] === v);

  test('readiness on /readyz, liveness on /healthz, on the container port the Service targets', () => {
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.ports).toContainEqual(expect.objectContaining({ name: 'http', containerPort: 3000 }));
    const service = find<IService>('Service', NAME);
    expect(selects(service.spec?.selector)).toBe(true);
    expect(service.spec?.ports?.map((p) => p.targetPort)).toEqual(['http']);
  });

  test('resource requests and limits for CPU and memory', () => {
    expect(Object.keys(container.resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
    expect(Object.keys(container.resources?.limits ?? {}).sort()).toEqual(['cpu', 'memory']);
  });

  test('non-root, no privilege escalation, read-only root file system, no capabilities', () => {
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
    expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
  });

  test('the autoscaler scales this Deployment, and the disruption budget keeps one of its pods', () => {
    const hpa = find<IHorizontalPodAutoscaler>('HorizontalPodAutoscaler', NAME);
    expect(hpa.spec?.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: NAME });
    expect(hpa.spec?.minReplicas).toBeGreaterThanOrEqual(2);
    const pdb = find<IPodDisruptionBudget>('PodDisruptionBudget', NAME);
    expect(selects(pdb.spec?.selector?.matchLabels)).toBe(true);
    expect(pdb.spec?.minAvailable).toBeGreaterThanOrEqual(1);
  });

  test('the configuration the manifests give is a valid production configuration for several replicas', () => {
    const settings = dataOf('ConfigMap', `${NAME}-settings`)!;
    const secrets = dataOf('Secret', `${NAME}-secrets`)!;
    // The mounted files, where this test can read them.
    const dir = mkdtempSync(join(tmpdir(), 'k8s-config-'));
    const files: Record<string, string> = {
      TRUSTED_CLIENTS: join(dir, 'trusted-clients.json'),
      SITE_CONFIG: join(dir, 'site-config.json'),
    };
    writeFileSync(files['TRUSTED_CLIENTS']!, secrets['trusted-clients.json']!);
    writeFileSync(files['SITE_CONFIG']!, dataOf('ConfigMap', `${NAME}-site-config`)!['site-config.json']!);
    const env: Record<string, string> = { ...settings };
    for (const { name, value, valueFrom } of container.env ?? []) {
      const secretKey = valueFrom?.secretKeyRef?.key;
      env[name] = files[name] ?? (secretKey === undefined ? value! : secrets[secretKey]!);
    }
    const { config, unread } = checkServiceEnv(env);
    expect(unread).toEqual([]);
    expect(config.mode).toBe('production');
    expect(config.auth.mode).toBe('required');
    // Shared state, so that replicas agree (docs/deployment.md "Scale"): PostgreSQL and Redis, never in-process.
    expect(config.databaseUrl).toMatch(/^postgres:/);
    expect(config.redisUrl).toMatch(/^rediss?:/);
    expect(config.workers).toBe(Number(container.resources?.limits?.['cpu']));
    expect(nodeOptionsError(env['NODE_OPTIONS'] ?? '')).toBeUndefined();
    expect(loadTrustedClients(config.auth.trustedClientsFile!, { mode: 'production' }).size).toBeGreaterThan(0);
    expect(configuredKnowledge(config).rules.length).toBeGreaterThan(0);
  });
});

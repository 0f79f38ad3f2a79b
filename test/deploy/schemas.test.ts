/**
 * The generated docker-compose.yml and Kubernetes manifests checked against
 * their schemas, offline, for each database the generator offers:
 * - docker-compose.yml against the Compose Specification's JSON schema (the
 *   compose-spec project's schema/compose-spec.json, as the dclint package
 *   ships it in schemas/compose.schema.json), validated with ajv;
 * - each deploy/k8s/*.yaml document against the Kubernetes OpenAPI schema of
 *   its apiVersion and kind, through kubernetes-models (which validates with
 *   ajv). kubernetes-models checks types, required fields and formats but,
 *   like the OpenAPI schemas it is made from, not unknown field names: the
 *   fields that matter are asserted by name in files.test.ts.
 * Each validator is first shown to reject a broken document, so a pass means
 * something.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { generateProject } from './project.js';

const DATABASES = ['sqlite', 'postgres', 'mysql'] as const;

// One project per database, generated once (no install: well under a second each).
const projects = new Map<string, string>();
function project(database: string): string {
  let path = projects.get(database);
  if (!path) projects.set(database, (path = generateProject(['--database', database])));
  return path;
}

// --- Compose ---------------------------------------------------------------

const composeSchemaFile = join(dirname(createRequire(import.meta.url).resolve('dclint/package.json')), 'schemas', 'compose.schema.json');
// `$schema` names draft-07 by an https URL ajv does not register; the schema is draft-07 all the same.
const { $schema: _draft, ...composeSchema } = JSON.parse(readFileSync(composeSchemaFile, 'utf8')) as Record<string, unknown>;
// Not strict: the schema uses annotations ajv does not know (`deprecated`), as docker compose's own validator ignores them.
const validateCompose = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true }).compile(composeSchema);

function composeErrors(document: unknown): string[] {
  if (validateCompose(document)) return [];
  return (validateCompose.errors ?? []).map((error: ErrorObject) => `${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params)}`);
}

/** docker-compose.yml as compose reads it: YAML 1.2 with anchors and `<<` merge keys. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function readCompose(database: string): any {
  return parseYaml(readFileSync(join(project(database), 'docker-compose.yml'), 'utf8'), { merge: true });
}

describe('docker-compose.yml against the Compose Specification schema', () => {
  it('the schema is the Compose Specification and rejects a broken file', () => {
    expect(composeSchema.title).toBe('Compose Specification');
    const broken = readCompose('postgres');
    broken.services.web.depends_on.migrate.condition = 'service_finished';
    broken.services.web.restrat = 'always';
    broken.services.web.ports = '8000:8000';
    broken.volumez = {};
    const errors = composeErrors(broken).join('\n');
    expect(errors).toContain('/services/web/depends_on/migrate/condition must be equal to one of the allowed values');
    expect(errors).toContain('"additionalProperty":"restrat"');
    expect(errors).toContain('/services/web/ports must be array');
    expect(errors).toContain('"additionalProperty":"volumez"');
  });

  for (const database of DATABASES) {
    it(`--database ${database}: valid`, () => {
      const compose = readCompose(database);
      expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['migrate', 'web']));
      expect(composeErrors(compose)).toEqual([]);
    });
  }
});

// --- Kubernetes ------------------------------------------------------------

/** The models for the kinds the generator writes; any other apiVersion/kind fails the test. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1 Deployment': Deployment,
  'batch/v1 Job': Job,
  'v1 Service': Service,
};

/** Every document of every deploy/k8s/*.yaml file, with where it came from. */
function manifests(database: string): { where: string; manifest: Record<string, unknown> }[] {
  const dir = join(project(database), 'deploy', 'k8s');
  return readdirSync(dir)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort()
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((document, index) => {
        expect(document.errors, file).toEqual([]);
        return { where: `deploy/k8s/${file}#${index}`, manifest: document.toJS() as Record<string, unknown> };
      }),
    );
}

/** The schema errors of one manifest, as text ('' when valid). */
function k8sErrors(manifest: Record<string, unknown>): string {
  const model = MODELS[`${String(manifest.apiVersion)} ${String(manifest.kind)}`];
  if (!model) return `no schema for apiVersion ${String(manifest.apiVersion)} kind ${String(manifest.kind)}`;
  try {
    new model(manifest as never).validate();
    return '';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

describe('deploy/k8s manifests against the Kubernetes schemas', () => {
  it('the schemas reject a broken Deployment, Service and Job', () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const byKind = Object.fromEntries(manifests('sqlite').filter(({ where }) => !where.includes('worker.yaml')).map(({ manifest }) => [manifest.kind, structuredClone(manifest) as any]));
    byKind.Deployment.spec.template.spec.containers[0].ports[0].containerPort = '8000';
    byKind.Deployment.spec.template.spec.containers[0].livenessProbe.periodSeconds = 'often';
    expect(k8sErrors(byKind.Deployment)).toMatch(/containerPort must be integer/);
    expect(k8sErrors(byKind.Deployment)).toMatch(/periodSeconds must be integer/);
    delete byKind.Service.spec.ports[0].port;
    expect(k8sErrors(byKind.Service)).toMatch(/ports\/0 must have required property '?port'?$/);
    delete byKind.Job.spec.template.spec.containers;
    expect(k8sErrors(byKind.Job)).toMatch(/spec must have required property '?containers'?$/);
    expect(k8sErrors({ ...byKind.Job, apiVersion: 'batch/v1beta1' })).toMatch(/no schema for apiVersion batch\/v1beta1/);
  });

  for (const database of DATABASES) {
    it(`--database ${database}: web and worker Deployments, a Service and a migrate Job, each valid`, () => {
      const found = manifests(database);
      expect(found.map(({ manifest }) => manifest.kind).sort()).toEqual(['Deployment', 'Deployment', 'Job', 'Service']);
      for (const { where, manifest } of found) expect(k8sErrors(manifest), where).toBe('');
    });
  }
});

/**
 * The real kubectl reading the OpenAPI v3 schemas: `kubectl explain` by kind, plural and short
 * name, down a field path and `--recursive`, as against a real cluster; and client-side
 * `kubectl apply`, which computes its strategic merge patch from the same schemas once it finds
 * the kind there: re-applying an edited manifest merges containers, env, ports and volumes by
 * their merge keys, keeps what another writer added and removes what the manifest dropped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../../src/api/types.js';
import { HAS_KUBECTL, NO_KUBECTL_REASON, startTestServer, type TestServer } from './helpers.js';

type Obj = KubeObject & Record<string, any>;

if (!HAS_KUBECTL) console.warn(`test/http/kubectl-explain.test.ts: ${NO_KUBECTL_REASON}`);

describe.skipIf(!HAS_KUBECTL)(`kubectl explain and apply with the OpenAPI schemas${HAS_KUBECTL ? '' : ` (${NO_KUBECTL_REASON})`}`, () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer({ cluster: { nodes: 1, seed: 3 }, speed: 1 });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('explain pod.spec.containers: the field, its type, the descriptions and the Container fields', async () => {
    const r = await s.kubectl(['explain', 'pod.spec.containers']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 9)).toEqual([
      'KIND:       Pod',
      'VERSION:    v1',
      '',
      'FIELD: containers <[]Container>',
      '',
      '',
      'DESCRIPTION:',
      '    List of containers belonging to the pod. Containers cannot currently be',
      '    added or removed. There must be at least one container in a Pod. Cannot be',
    ]);
    expect(lines).toContain('    A single application container that you want to run within a pod.');
    expect(lines).toContain('FIELDS:');
    for (const field of ['args\t<[]string>', 'env\t<[]EnvVar>', 'image\t<string>', 'name\t<string> -required-', 'ports\t<[]ContainerPort>', 'resources\t<ResourceRequirements>', 'livenessProbe\t<Probe>']) {
      expect(lines).toContain(`  ${field}`);
    }
    // an enum is listed under its field
    expect(r.stdout).toContain('  imagePullPolicy\t<string>\n  enum: Always, IfNotPresent, Never\n');
  });

  it('explain deployment.spec.strategy --recursive prints the nested fields with their types', async () => {
    const r = await s.kubectl(['explain', 'deployment.spec.strategy', '--recursive']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'GROUP:      apps',
        'KIND:       Deployment',
        'VERSION:    v1',
        '',
        'FIELD: strategy <DeploymentStrategy>',
        '',
        '',
        'DESCRIPTION:',
        '    The deployment strategy to use to replace existing pods with new ones.',
        '    DeploymentStrategy describes how to replace existing pods with new ones.',
        '    ',
        'FIELDS:',
        '  rollingUpdate\t<RollingUpdateDeployment>',
        '    maxSurge\t<IntOrString>',
        '    maxUnavailable\t<IntOrString>',
        '  type\t<string>',
        '  enum: Recreate, RollingUpdate',
        '',
        '',
      ].join('\n'),
    );
  });

  it('explain cronjob.spec: required fields and integer, boolean, object types', async () => {
    const r = await s.kubectl(['explain', 'cronjob.spec']);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('GROUP:      batch\nKIND:       CronJob\nVERSION:    v1\n\nFIELD: spec <CronJobSpec>\n')).toBe(true);
    for (const field of ['jobTemplate\t<JobTemplateSpec> -required-', 'schedule\t<string> -required-', 'failedJobsHistoryLimit\t<integer>', 'suspend\t<boolean>', 'timeZone\t<string>']) {
      expect(r.stdout).toContain(`\n  ${field}\n`);
    }
  });

  it('explain pods, pod and po print the kind with its top-level fields', async () => {
    const plural = await s.kubectl(['explain', 'pods']);
    expect(plural.code).toBe(0);
    expect(plural.stdout.startsWith('KIND:       Pod\nVERSION:    v1\n\nDESCRIPTION:\n    Pod is a collection of containers that can run on a host.')).toBe(true);
    for (const field of ['apiVersion\t<string>', 'kind\t<string>', 'metadata\t<ObjectMeta>', 'spec\t<PodSpec>', 'status\t<PodStatus>']) expect(plural.stdout).toContain(`\n  ${field}\n`);
    expect((await s.kubectl(['explain', 'po'])).stdout).toBe(plural.stdout);
    expect((await s.kubectl(['explain', 'pod'])).stdout).toBe(plural.stdout);
  });

  it('maps of quantities, timestamps and int-or-strings are typed as kube-apiserver types them', async () => {
    const limits = await s.kubectl(['explain', 'deploy.spec.template.spec.containers.resources.limits']);
    expect(limits.stdout).toContain('FIELD: limits <map[string]Quantity>\n');
    const created = await s.kubectl(['explain', 'pod.metadata.creationTimestamp']);
    expect(created.stdout).toContain('FIELD: creationTimestamp <string>\n');
    const target = await s.kubectl(['explain', 'svc.spec.ports.targetPort']);
    expect(target.stdout).toContain('FIELD: targetPort <IntOrString>\n');
    const labels = await s.kubectl(['explain', 'cm.metadata.labels']);
    expect(labels.stdout).toContain('FIELD: labels <map[string]string>\n');
  });

  it('a field that does not exist and a resource the server does not have', async () => {
    const field = await s.kubectl(['explain', 'pod.spec.nope']);
    expect(field.code).toBe(1);
    expect(field.stderr).toBe('error: field "nope" does not exist\n');
    const resource = await s.kubectl(['explain', 'widgets']);
    expect(resource.code).toBe(1);
    expect(resource.stderr).toBe('the server doesn\'t have a resource type "widgets"\n');
  });

  it('explain --output plaintext-openapiv2 reads /openapi/v2 (protobuf) and prints the old layout', async () => {
    const r = await s.kubectl(['explain', 'pod.spec.containers.ports', '--output', 'plaintext-openapiv2']);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n').slice(0, 4)).toEqual(['KIND:     Pod', 'VERSION:  v1', '', 'RESOURCE: ports <[]Object>']);
    expect(r.stdout).toContain('\n   containerPort\t<integer> -required-\n');
  });

  it('apply of a kind the server does not have: kubectl\'s own "no matches for kind" (validation finds no schema and skips)', async () => {
    const r = await s.kubectl(['apply', '-f', '-'], { input: 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: resource mapping not found for name: "w" namespace: "" from "STDIN": no matches for kind "Widget" in version "example.com/v1"\nensure CRDs are installed first\n');
  });

  it('apply, another writer adds env and a container, apply of the edited manifest: merged by the schemas’ merge keys', async () => {
    const manifest = (app: string, sidecar: string, volumes: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: merge
spec:
  replicas: 1
  selector:
    matchLabels: { app: merge }
  template:
    metadata:
      labels: { app: merge }
    spec:
      containers:
${app}${sidecar}      volumes:
${volumes}`;
    const file = join(s.dir, 'merge.yaml');
    writeFileSync(
      file,
      manifest(
        `      - name: app
        image: nginx:1.14.2
        env: [{ name: A, value: "1" }, { name: B, value: "2" }]
        ports: [{ containerPort: 80 }]
        volumeMounts: [{ name: cache, mountPath: /cache }]
`,
        `      - name: sidecar
        image: busybox:1.36
        env: [{ name: X, value: "1" }]
`,
        `      - name: cache
        emptyDir: {}
`,
      ),
    );
    const first = await s.kubectl(['apply', '-f', file]);
    expect(first.stderr).toBe('');
    expect(first.stdout).toBe('deployment.apps/merge created\n');
    // another writer: an env var on app and a third container, which the manifest never had
    expect((await s.kubectl(['set', 'env', 'deployment/merge', '-c', 'app', 'C=3'])).code).toBe(0);
    const patched = await s.kubectl(['patch', 'deployment', 'merge', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"extra","image":"busybox:1.36"}]}}}}']);
    expect(patched.code).toBe(0);

    // the edited manifest: A dropped, B changed, D added, a second port, the sidecar removed, a second volume
    writeFileSync(
      file,
      manifest(
        `      - name: app
        image: nginx:1.14.2
        env: [{ name: B, value: "20" }, { name: D, value: "4" }]
        ports: [{ containerPort: 80 }, { containerPort: 443 }]
        volumeMounts: [{ name: cache, mountPath: /cache }]
`,
        '',
        `      - name: cache
        emptyDir: {}
      - name: data
        emptyDir: {}
`,
      ),
    );
    const second = await s.kubectl(['apply', '-f', file]);
    expect(second.stderr).toBe('');
    expect(second.stdout).toBe('deployment.apps/merge configured\n');

    const d = s.cluster.objects<Obj>('deployments', 'default').find((o) => o.metadata?.name === 'merge')!;
    const spec = d.spec.template.spec;
    // the sidecar the manifest dropped is removed; the container another writer added is kept,
    // first: a strategic merge patch without $setElementOrder puts new items before the server's
    expect(spec.containers.map((c: Obj) => c.name)).toEqual(['extra', 'app']);
    const app = spec.containers[1];
    // A removed, B changed, D added in the manifest's order, C (added by the other writer) kept
    // after them (kube-apiserver's normalizeElementOrder: C is not in the patch's $setElementOrder)
    expect(app.env.map((e: Obj) => `${e.name}=${e.value}`)).toEqual(['B=20', 'D=4', 'C=3']);
    expect(app.ports.map((p: Obj) => p.containerPort)).toEqual([80, 443]);
    expect(spec.volumes.map((v: Obj) => v.name)).toEqual(['cache', 'data']);
  });
});

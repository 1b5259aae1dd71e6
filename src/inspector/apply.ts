/**
 * `kubectl apply -f` and `kubectl run` for a cluster that runs in real time: the same requests the
 * typed client's `apply` and `create` make (GET, then POST with the last-applied annotation or a
 * three-way strategic merge PATCH), sent with `requestAsync` so they are answered as virtual time
 * passes instead of running the kernel. Manifests are YAML (one or many documents) or JSON.
 */
import { parseAllDocuments } from 'yaml';
import { NGINX_DEPLOYMENT_YAML } from '../cluster/samples.js';
import { findResource, resourceForKind, type ResourceInfo } from '../api/resources.js';
import { createThreeWayMergePatch } from '../api/strategic-merge-patch.js';
import type { KubeObject, Status } from '../api/types.js';
import { LAST_APPLIED, type Client } from '../cluster/client.js';
import type { ApplyItem, StatusLike } from './protocol.js';

/** A Status made on the client side (as kubectl reports a manifest it cannot send). */
function clientStatus(reason: string, message: string, code = 400): StatusLike {
  return { kind: 'Status', status: 'Failure', code, reason, message };
}

/** The objects of a manifest: YAML documents (`---`-separated) or JSON, `List`s flattened. */
export function parseManifest(text: string): { objects: KubeObject[]; error?: StatusLike } {
  if (typeof text !== 'string' || text.trim() === '') return { objects: [], error: clientStatus('BadRequest', 'error: no objects passed to apply') };
  const objects: KubeObject[] = [];
  let docs;
  try {
    docs = parseAllDocuments(text);
  } catch (error) {
    return { objects: [], error: clientStatus('BadRequest', `error: error parsing manifest: ${(error as Error).message}`) };
  }
  const list = Array.isArray(docs) ? docs : [docs];
  for (let i = 0; i < list.length; i++) {
    const doc = list[i]!;
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      return { objects: [], error: clientStatus('BadRequest', `error: error parsing manifest (document ${i + 1}): ${e.message}`) };
    }
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      return { objects: [], error: clientStatus('BadRequest', `error: error validating data (document ${i + 1}): the manifest is not a Kubernetes object`) };
    }
    const obj = value as KubeObject & { items?: unknown[] };
    if (typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj.items)) {
      for (const item of obj.items) objects.push(item as KubeObject);
    } else objects.push(obj);
  }
  if (objects.length === 0) return { objects, error: clientStatus('BadRequest', 'error: no objects passed to apply') };
  return { objects };
}

/** `pod/nginx`, `deployment.apps/nginx-deployment` (as kubectl names what it applied). */
export function objectRef(info: ResourceInfo | undefined, obj: KubeObject): string {
  const name = obj.metadata?.name ?? '<unnamed>';
  if (!info) return `${String(obj.kind ?? 'object').toLowerCase()}/${name}`;
  return `${info.singular}${info.group ? '.' + info.group : ''}/${name}`;
}

/** The object with the last-applied-configuration annotation kubectl apply adds. */
export function withLastApplied<T extends KubeObject>(obj: T): T {
  const clean = structuredClone(obj);
  const annotations: Record<string, string> = { ...(clean.metadata?.annotations ?? {}) };
  delete annotations[LAST_APPLIED];
  const metadata = { ...(clean.metadata ?? {}) } as Record<string, unknown>;
  if (Object.keys(annotations).length) metadata.annotations = annotations;
  else delete metadata.annotations;
  const forAnnotation = { ...clean, metadata };
  return { ...clean, metadata: { ...clean.metadata, annotations: { ...annotations, [LAST_APPLIED]: JSON.stringify(forAnnotation) + '\n' } } };
}

function statusOf(body: unknown, code: number): StatusLike {
  const s = body as Status | undefined;
  if (s && typeof s === 'object' && s.kind === 'Status') return s as StatusLike;
  return clientStatus('InternalError', `unexpected answer ${code}`, code);
}

/** Applies one object as `kubectl apply` does; answers when the API server has answered. */
async function applyObject(client: Client, obj: KubeObject): Promise<ApplyItem> {
  if (!obj || typeof obj !== 'object' || typeof obj.kind !== 'string' || obj.kind === '') {
    return { ref: 'object', ok: false, status: clientStatus('BadRequest', "error: error validating data: kind not set") };
  }
  if (typeof obj.apiVersion !== 'string' || obj.apiVersion === '') {
    return { ref: objectRef(undefined, obj), ok: false, status: clientStatus('BadRequest', 'error: error validating data: apiVersion not set') };
  }
  const info = resourceForKind(obj.apiVersion, obj.kind) ?? (findResource(obj.kind)?.apiVersion === obj.apiVersion ? findResource(obj.kind) : undefined);
  const ref = objectRef(info, obj);
  if (!info) {
    return { ref, ok: false, status: clientStatus('NotFound', `error: resource mapping not found for name: "${obj.metadata?.name ?? ''}": no matches for kind "${obj.kind}" in version "${obj.apiVersion}"`, 404) };
  }
  const name = obj.metadata?.name;
  if (!name) return { ref, ok: false, status: clientStatus('BadRequest', 'error: resource name may not be empty') };
  const namespace = info.namespaced ? obj.metadata?.namespace ?? 'default' : undefined;
  const flow = `apply ${info.plural} ${namespace ? namespace + '/' : ''}${name}`;
  const modified = withLastApplied(obj);
  const current = await client.requestAsync({ verb: 'get', resource: info.plural, group: info.group, namespace, name }, flow);
  if (current.code === 404) {
    const res = await client.requestAsync(
      { verb: 'create', resource: info.plural, group: info.group, namespace, body: modified, query: { fieldManager: 'kubectl-client-side-apply', fieldValidation: 'Strict' } },
      flow,
    );
    return res.code < 300 ? { ref, ok: true, action: 'created', flow } : { ref, ok: false, status: statusOf(res.body, res.code), flow };
  }
  if (current.code >= 300) return { ref, ok: false, status: statusOf(current.body, current.code), flow };
  const live = current.body as KubeObject;
  const lastText = live.metadata?.annotations?.[LAST_APPLIED];
  let original: KubeObject = {} as KubeObject;
  try {
    if (lastText) original = JSON.parse(lastText) as KubeObject;
  } catch {
    // a broken annotation: two-way patch
  }
  const patch = createThreeWayMergePatch(original, modified, live, info.kind);
  if (Object.keys(patch).length === 0) return { ref, ok: true, action: 'unchanged', flow };
  const res = await client.requestAsync(
    { verb: 'patch', resource: info.plural, group: info.group, namespace, name, body: patch, query: { patchType: 'strategic', fieldManager: 'kubectl-client-side-apply' } },
    flow,
  );
  return res.code < 300 ? { ref, ok: true, action: 'configured', flow } : { ref, ok: false, status: statusOf(res.body, res.code), flow };
}

/** Applies every object of a manifest, in order. */
export async function applyManifest(client: Client, text: string): Promise<{ ok: boolean; items: ApplyItem[]; status?: StatusLike }> {
  const { objects, error } = parseManifest(text);
  if (error) return { ok: false, items: [], status: error };
  const items: ApplyItem[] = [];
  for (const obj of objects) items.push(await applyObject(client, obj));
  return { ok: items.every((i) => i.ok), items };
}

/** The pod `kubectl run NAME --image=IMAGE` creates. */
function runPod(name: string, image: string, namespace = 'default'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { run: name } },
    spec: { containers: [{ name, image, ports: [{ containerPort: 80 }] }] },
  } as KubeObject;
}

/** `kubectl run`: creates a one-container pod; the flow is `create pods <ns>/<name>`. */
export async function createPod(client: Client, name: string, image: string, namespace = 'default'): Promise<{ ok: boolean; ref: string; flow: string; status?: StatusLike }> {
  const flow = `create pods ${namespace}/${name}`;
  const res = await client.requestAsync({
    verb: 'create',
    resource: 'pods',
    group: '',
    namespace,
    body: runPod(name, image, namespace),
    query: { fieldManager: 'kubectl-run', fieldValidation: 'Strict' },
  }, flow);
  return res.code < 300 ? { ok: true, ref: `pod/${name}`, flow } : { ok: false, ref: `pod/${name}`, flow, status: statusOf(res.body, res.code) };
}

/** The demo workload: a pod, and the nginx Deployment of the Kubernetes documentation. */
export const DEMO_MANIFEST = `# A pod
apiVersion: v1
kind: Pod
metadata:
  name: hello
  labels:
    app: hello
spec:
  containers:
  - name: hello
    image: nginx:1.14.2
    ports:
    - containerPort: 80
---
# The Deployment of https://kubernetes.io/docs/concepts/workloads/controllers/deployment/
${NGINX_DEPLOYMENT_YAML}`;

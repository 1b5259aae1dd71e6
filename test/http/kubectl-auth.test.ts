/**
 * End to end with the real kubectl: the authentication and authorization surface.
 * `kubectl auth can-i` (yes/no and exit codes, subresources, --all-namespaces, non-resource URLs,
 * --list), `kubectl auth whoami`, impersonation with `--as`, `kubectl create token` and the
 * token used with `--token`, and the anonymous user refused by RBAC.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_KUBECTL, NO_KUBECTL_REASON, parseTable, startTestServer, type TestServer } from './helpers.js';

if (!HAS_KUBECTL) console.warn(`test/http/kubectl-auth.test.ts: ${NO_KUBECTL_REASON}`);

describe.skipIf(!HAS_KUBECTL)(`the real kubectl: auth can-i, whoami, --as, create token${HAS_KUBECTL ? '' : ` (${NO_KUBECTL_REASON})`}`, () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer({ cluster: { nodes: 1, seed: 21 }, speed: 1 });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('auth can-i answers yes (exit 0) or no (exit 1) from RBAC', async () => {
    const admin = await s.kubectl(['auth', 'can-i', 'create', 'pods']);
    expect(admin).toEqual({ code: 0, stdout: 'yes\n', stderr: '' });
    const guest = await s.kubectl(['auth', 'can-i', 'create', 'pods'], { context: 'kube-actors-guest' });
    expect(guest).toEqual({ code: 1, stdout: 'no\n', stderr: '' });
    const viewer = (args: string[]) => s.kubectl(['auth', 'can-i', ...args], { context: 'kube-actors-viewer' });
    expect((await viewer(['get', 'pods', '--subresource=log'])).stdout).toBe('yes\n');
    expect((await viewer(['list', 'deployments.apps', '--all-namespaces'])).stdout).toBe('yes\n');
    expect(await viewer(['delete', 'deployments.apps'])).toMatchObject({ code: 1, stdout: 'no\n' });
    expect(await viewer(['get', 'secrets'])).toMatchObject({ code: 1, stdout: 'no\n' });
    expect(await viewer(['get', '/healthz'])).toMatchObject({ code: 0, stdout: 'yes\n' });
    expect(await viewer(['get', '/logs'])).toMatchObject({ code: 1, stdout: 'no\n' });
  });

  it('the bootstrap policy: admin aggregates, a labelled ClusterRole extends view, the controllers\' accounts have their roles', async () => {
    const admin = await s.kubectl(['get', 'clusterrole', 'admin', '-o', 'yaml']);
    expect(admin.code).toBe(0);
    expect(admin.stdout).toContain('aggregationRule:\n  clusterRoleSelectors:\n  - matchLabels:\n      rbac.authorization.k8s.io/aggregate-to-admin: "true"');
    // edit's and aggregate-to-admin's rules
    expect(admin.stdout).toContain('- localsubjectaccessreviews');
    expect(admin.stdout).toContain('- deployments/rollback');
    expect((await s.kubectl(['create', 'clusterrole', 'foo-viewer', '--verb=get', '--resource=configmaps'])).code).toBe(0);
    expect((await s.kubectl(['label', 'clusterrole', 'foo-viewer', 'rbac.authorization.k8s.io/aggregate-to-view=true'])).code).toBe(0);
    const view = async () => (await s.kubectl(['get', 'clusterrole', 'view', '-o', 'jsonpath={.rules[*].resources}'])).stdout;
    const deadline = Date.now() + 10_000;
    while (!(await view()).includes('["configmaps"]') && Date.now() < deadline) await s.kubectl(['get', '--raw', '/readyz']);
    expect(await view()).toContain('["configmaps"]');
    const rs = (args: string[]) => s.kubectl(['auth', 'can-i', ...args, '--as=system:serviceaccount:kube-system:replicaset-controller']);
    expect(await rs(['list', 'pods'])).toMatchObject({ code: 0, stdout: 'yes\n' });
    expect(await rs(['update', 'replicasets.apps/status'])).toMatchObject({ code: 0, stdout: 'yes\n' });
    // not in system:controller:replicaset-controller
    expect(await rs(['update', 'pods'])).toMatchObject({ code: 1, stdout: 'no\n' });
    expect(await rs(['create', 'deployments.apps'])).toMatchObject({ code: 1, stdout: 'no\n' });
    const accounts = await s.kubectl(['get', 'serviceaccounts', '-n', 'kube-system', '-o', 'name']);
    for (const sa of ['replicaset-controller', 'generic-garbage-collector', 'kube-proxy', 'coredns']) expect(accounts.stdout).toContain(`serviceaccount/${sa}\n`);
  });

  it('auth can-i --list lists the rules of the user in the namespace', async () => {
    const r = await s.kubectl(['auth', 'can-i', '--list'], { context: 'kube-actors-viewer' });
    expect(r.code).toBe(0);
    const rows = parseTable(r.stdout);
    const row = (resource: string) => rows.find((x) => x['Resources'] === resource);
    expect(row('pods')).toMatchObject({ Verbs: '[get list watch]' });
    expect(row('deployments.apps')).toMatchObject({ Verbs: '[get list watch]' });
    expect(row('selfsubjectaccessreviews.authorization.k8s.io')).toMatchObject({ Verbs: '[create]' });
    expect(row('secrets')).toBeUndefined();
    expect(r.stdout).toMatch(/\[\/healthz\]\s+\[\]\s+\[get\]/);
  });

  it('auth whoami shows the user, as a table and as YAML', async () => {
    const r = await s.kubectl(['auth', 'whoami']);
    expect(r).toEqual({ code: 0, stdout: 'ATTRIBUTE   VALUE\nUsername    kubernetes-admin\nGroups      [system:masters system:authenticated]\n', stderr: '' });
    const y = await s.kubectl(['auth', 'whoami', '-o', 'yaml'], { context: 'kube-actors-viewer' });
    expect(y.code).toBe(0);
    expect(y.stdout).toMatch(/^apiVersion: authentication\.k8s\.io\/v1\nkind: SelfSubjectReview\nmetadata:\n {2}creationTimestamp: "[0-9T:-]+Z"\nstatus:\n {2}userInfo:\n {4}groups:\n {4}- system:authenticated\n {4}username: viewer\n$/);
  });

  it('--as: the admin acts as guest and gets guest\'s answers; guest may not act as the admin', async () => {
    const asGuest = await s.kubectl(['get', 'pods', '--as=guest']);
    expect(asGuest.code).toBe(1);
    expect(asGuest.stderr).toBe('Error from server (Forbidden): pods is forbidden: User "guest" cannot list resource "pods" in API group "" in the namespace "default"\n');
    expect(await s.kubectl(['auth', 'can-i', 'list', 'pods', '--as=viewer'])).toMatchObject({ code: 0, stdout: 'yes\n' });
    const who = await s.kubectl(['auth', 'whoami', '--as=jane', '--as-group=developers', '--as-uid=42']);
    expect(who.stdout).toBe('ATTRIBUTE   VALUE\nUsername    jane\nUID         42\nGroups      [developers system:authenticated]\n');
    const escalate = await s.kubectl(['get', 'pods', '--as=kubernetes-admin', '--as-group=system:masters'], { context: 'kube-actors-guest' });
    expect(escalate.code).toBe(1);
    expect(escalate.stderr).toBe('Error from server (Forbidden): users "kubernetes-admin" is forbidden: User "guest" cannot impersonate resource "users" in API group "" at the cluster scope\n');
  });

  it('create token: the token authenticates as the service account, and a RoleBinding lets it get pods', async () => {
    expect((await s.kubectl(['create', 'serviceaccount', 'robot'])).code).toBe(0);
    const created = await s.kubectl(['create', 'token', 'robot', '--duration=20m']);
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const who = await s.kubectl([`--token=${token}`, 'auth', 'whoami']);
    expect(who.code).toBe(0);
    expect(who.stdout).toContain('system:serviceaccount:default:robot');
    expect(who.stdout).toContain('[system:serviceaccounts system:serviceaccounts:default system:authenticated]');
    const denied = await s.kubectl([`--token=${token}`, 'get', 'pods']);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toBe('Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:default:robot" cannot list resource "pods" in API group "" in the namespace "default"\n');
    expect((await s.kubectl(['create', 'rolebinding', 'robot-view', '--clusterrole=view', '--serviceaccount=default:robot'])).code).toBe(0);
    const allowed = await s.kubectl([`--token=${token}`, 'get', 'pods']);
    expect(allowed).toEqual({ code: 0, stdout: '', stderr: 'No resources found in default namespace.\n' });
    const tooShort = await s.kubectl(['create', 'token', 'robot', '--duration=1m']);
    expect(tooShort.code).toBe(1);
    expect(tooShort.stderr).toContain('may not specify a duration less than 10 minutes');
    const ghost = await s.kubectl(['create', 'token', 'ghost']);
    expect(ghost.code).toBe(1);
    expect(ghost.stderr).toContain('serviceaccounts "ghost" not found');
  });

  it('a pod\'s projected token: kubectl exec cat reads it (and the namespace, the CA); it authenticates as the pod\'s account', async () => {
    expect((await s.kubectl(['run', 'tok', '--image=nginx', '--overrides={"spec":{"serviceAccountName":"robot"}}'])).code).toBe(0);
    expect((await s.kubectl(['wait', '--for=condition=Ready', 'pod/tok', '--timeout=60s'])).code).toBe(0);
    const volume = (await s.kubectl(['get', 'pod', 'tok', '-o', 'jsonpath={.spec.volumes[0].name} {.spec.containers[0].volumeMounts[0].mountPath}'])).stdout;
    expect(volume).toMatch(/^kube-api-access-[a-z0-9]{5} \/var\/run\/secrets\/kubernetes.io\/serviceaccount$/);
    const dir = '/var/run/secrets/kubernetes.io/serviceaccount';
    expect((await s.kubectl(['exec', 'tok', '--', 'cat', `${dir}/namespace`])).stdout.trim()).toBe('default');
    expect((await s.kubectl(['exec', 'tok', '--', 'cat', `${dir}/ca.crt`])).stdout).toContain('-----BEGIN CERTIFICATE-----');
    const token = (await s.kubectl(['exec', 'tok', '--', 'cat', `${dir}/token`])).stdout.trim();
    const who = await s.kubectl([`--token=${token}`, 'auth', 'whoami', '-o', 'json']);
    expect(who.stderr).toBe('');
    const info = (JSON.parse(who.stdout) as { status: { userInfo: { username: string; extra: Record<string, string[]> } } }).status.userInfo;
    expect(info.username).toBe('system:serviceaccount:default:robot');
    expect(info.extra['authentication.kubernetes.io/pod-name']).toEqual(['tok']);
    // the token dies with its pod
    expect((await s.kubectl(['delete', 'pod', 'tok', '--grace-period=0', '--force'])).code).toBe(0);
    const after = await s.kubectl([`--token=${token}`, 'auth', 'whoami']);
    expect(after.code).toBe(1);
    expect(after.stderr).toContain('Unauthorized');
  }, 60_000);

  it('a request without credentials is system:anonymous, refused by RBAC (403); a bad token stays 401', async () => {
    // (kubectl itself prompts for a user name when its kubeconfig user has no credentials: the
    // anonymous request goes raw, and kubectl meets the anonymous user through --as)
    const r = await s.kubectl(['get', 'pods', '--as=system:anonymous']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error from server (Forbidden): pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "default"\n');
    const raw = await s.call('GET', '/api/v1/namespaces/default/pods', { token: null });
    expect(raw.code).toBe(403);
    expect(raw.json).toMatchObject({ kind: 'Status', reason: 'Forbidden', message: 'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "default"' });
    expect((await s.call('GET', '/version', { token: null })).code).toBe(200);
    const discovery = await s.call('GET', '/apis', { token: null });
    expect(discovery.code).toBe(403);
    expect(discovery.json.message).toBe('forbidden: User "system:anonymous" cannot get path "/apis"');
    const bad = await s.kubectl(['--token=not-a-token', 'get', 'pods']);
    expect(bad.stderr).toBe('error: You must be logged in to the server (Unauthorized)\n');
  });
});

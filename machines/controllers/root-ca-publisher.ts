/**
 * The root CA publisher (`pkg/controller/certificates/rootcacertpublisher`): a ConfigMap
 * `kube-root-ca.crt` in every namespace, holding the cluster's CA bundle under `ca.crt` with the
 * `kubernetes.io/description` annotation, put back when it is deleted or changed. Pods read it
 * through their projected ServiceAccount token volume.
 */
import type { ConfigMap, Namespace } from '../../src/api/types.js';
import { defineController, watch, type ControllerMachine, type SyncContext, type Watches } from './controller.js';
import { clone } from './util.js';

/** The controller's name (address `controller-manager/root-ca-cert-publisher`). */
const ROOT_CA_PUBLISHER_CONTROLLER = 'root-ca-cert-publisher';
/** `RootCACertConfigMapName`. */
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
/** `DescriptionAnnotation`. */
export const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
/** `Description`, as the real publisher writes it. */
export const ROOT_CA_DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. ' +
  'No other usage is guaranteed across distributions of Kubernetes clusters.';

/**
 * The simulated cluster's CA certificate (a real self-signed ECDSA P-256 certificate for the
 * `kubernetes` Service's names and 10.96.0.1, made once with `src/http/tls.ts`). It is data: the
 * simulation signs nothing with it.
 */
export const CLUSTER_CA_CERT = `-----BEGIN CERTIFICATE-----
MIICJzCCAcygAwIBAgIQO+xteU21fOjb2Ds12V4EGTAKBggqhkjOPQQDAjArMRQw
EgYDVQQKDAtrdWJlLWFjdG9yczETMBEGA1UEAwwKa3ViZXJuZXRlczAeFw0yNjEy
MDYyMDQ1NDZaFw0zNjEyMDMyMDQ1NDZaMCsxFDASBgNVBAoMC2t1YmUtYWN0b3Jz
MRMwEQYDVQQDDAprdWJlcm5ldGVzMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE
LC2Jp5d7jOyyFqwiad1fI2WvoSfA6j2Bi2eSEvVd9KtEOMvgJGiTonacfN5NIkv4
HKxEIGUmnUwpC4YRAvvSXKOB0TCBzjAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB
/wQEAwIChDAdBgNVHSUEFjAUBggrBgEFBQcDAQYIKwYBBQUHAwIwbQYDVR0RBGYw
ZIcECmAAAYIKa3ViZXJuZXRlc4ISa3ViZXJuZXRlcy5kZWZhdWx0ghZrdWJlcm5l
dGVzLmRlZmF1bHQuc3ZjgiRrdWJlcm5ldGVzLmRlZmF1bHQuc3ZjLmNsdXN0ZXIu
bG9jYWwwHQYDVR0OBBYEFPnBE62M0Qf5S0XWDCyLxOcYjSbkMAoGCCqGSM49BAMC
A0kAMEYCIQDvZJ8flDp8S4E9bAaJUJU8yWG3i14jcjdrXPrZ1oHolQIhALrcPQT+
TuexSfPp8cUK6ycuBxD7aGDCq83cl7zfpLe2
-----END CERTIFICATE-----
`;

type CaWatches = {
  namespaces: ReturnType<typeof watch<Namespace>>;
  configmaps: ReturnType<typeof watch<ConfigMap>>;
};
type CaCtx = SyncContext<CaWatches & Watches, undefined, { rootCA: string }>;

function syncNamespace(namespace: string, ctx: CaCtx): void {
  const ns = ctx.get('namespaces', namespace);
  if (!ns || ns.metadata?.deletionTimestamp) return;
  const data = { 'ca.crt': ctx.options.rootCA };
  const cm = ctx.get('configmaps', `${namespace}/${ROOT_CA_CONFIGMAP}`);
  if (!cm) {
    // 404 or 403 (terminating): the namespace is going away, nothing to retry
    ctx.client.create(
      'configmaps',
      namespace,
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations: { [DESCRIPTION_ANNOTATION]: ROOT_CA_DESCRIPTION } }, data } as ConfigMap,
      { ignore: [403, 404, 409] },
    );
    return;
  }
  const dataSame = Object.keys(cm.data ?? {}).length === 1 && cm.data?.['ca.crt'] === data['ca.crt'] && cm.binaryData === undefined;
  if (dataSame && cm.metadata?.annotations?.[DESCRIPTION_ANNOTATION]) return;
  const next = clone(cm);
  next.data = data;
  delete next.binaryData;
  next.metadata = { ...next.metadata, annotations: { ...(next.metadata?.annotations ?? {}), [DESCRIPTION_ANNOTATION]: ROOT_CA_DESCRIPTION } };
  ctx.client.update('configmaps', next, { ignore: [404] });
}

/** The root CA publisher's machine. */
export const rootCaPublisher: ControllerMachine = defineController({
  name: ROOT_CA_PUBLISHER_CONTROLLER,
  component: 'root-ca-cert-publisher',
  options: { rootCA: CLUSTER_CA_CERT },
  watches: {
    namespaces: watch<Namespace>({
      resource: 'namespaces',
      enqueue: ({ type, object }) => (type === 'deleted' ? undefined : object.metadata?.name),
    }),
    configmaps: watch<ConfigMap>({
      resource: 'configmaps',
      fieldSelector: `metadata.name=${ROOT_CA_CONFIGMAP}`,
      enqueue: ({ type, object }) => (type === 'added' || type === 'resync' ? undefined : object.metadata?.namespace),
    }),
  },
  sync: (key, ctx) => syncNamespace(key, ctx as unknown as CaCtx),
});

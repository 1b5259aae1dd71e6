/**
 * The Kubernetes HTTP API of a simulated cluster: serve a cluster over HTTPS for the real kubectl
 * and client libraries (`startServing`, `serveCluster`), and the pieces it is made of.
 */
export { startServing, type Serving, type StartServingOptions } from './serve.js';
export { KubeHttpServer, serveCluster, type HttpServerOptions, type ServeClusterOptions, type ServedCluster, type HttpServerStats } from './server.js';
export { Gateway, type GatewayOptions, type GatewayWatch } from './gateway.js';
export { createSelfSignedCertificate, type SelfSignedCertificate, type CertificateOptions } from './tls.js';
export { kubeconfig, writeKubeconfig, contextName, type KubeconfigOptions, type KubeconfigUser } from './kubeconfig.js';
export { applyConfiguration, conflictStatus, fieldSetOf, toFieldsV1, fromFieldsV1, type ManagedFieldsEntry, type ApplyResult } from '../api/server-side-apply.js';
export { decodeProtobuf, ProtobufError } from './protobuf.js';

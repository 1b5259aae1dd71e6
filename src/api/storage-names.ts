/**
 * The well-known annotation, label and finalizer names of Kubernetes storage, shared by the API
 * server's admission, the printers, the PV controller and the kubelet.
 */

/** The annotation that marks the default StorageClass. */
export const IS_DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
/** The beta annotation, still honoured. */
export const BETA_IS_DEFAULT_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';
/** The finalizer that keeps a claim while pods use it. */
export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
/** The finalizer that keeps a volume while a claim is bound to it. */
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';
/** The node the scheduler chose for a pod using a WaitForFirstConsumer claim (set on the claim). */
export const SELECTED_NODE_ANNOTATION = 'volume.kubernetes.io/selected-node';
/** The provisioner asked to provision a claim (set on the claim by the PV controller). */
export const STORAGE_PROVISIONER_ANNOTATION = 'volume.kubernetes.io/storage-provisioner';
/** The legacy form of {@link STORAGE_PROVISIONER_ANNOTATION}, still set. */
export const BETA_STORAGE_PROVISIONER_ANNOTATION = 'volume.beta.kubernetes.io/storage-provisioner';
/** Set on a claim once the PV controller has bound it. */
export const BIND_COMPLETED_ANNOTATION = 'pv.kubernetes.io/bind-completed';
/** Set on a claim the PV controller bound (not pre-bound by the user). */
export const BOUND_BY_CONTROLLER_ANNOTATION = 'pv.kubernetes.io/bound-by-controller';
/** Set on a dynamically provisioned volume: who provisioned it. */
export const PROVISIONED_BY_ANNOTATION = 'pv.kubernetes.io/provisioned-by';

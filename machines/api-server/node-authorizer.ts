/**
 * The Node authorizer (`plugin/pkg/auth/authorizer/node/node_authorizer.go`, kube-apiserver's
 * `--authorization-mode=Node,RBAC` on a kubeadm cluster, with the 1.32 default
 * `AuthorizeNodeWithSelectors`): a kubelet, user `system:node:<name>` in group `system:nodes`,
 * may read only what the pods bound to its node use, and the node's own objects:
 *
 * - secrets, configmaps: get/list/watch of one object a pod on the node references;
 *   persistentvolumeclaims, persistentvolumes, volumeattachments: get of one it reaches
 *   (claims' `status` update as well); serviceaccounts: create of the `token` subresource of an
 *   account a pod on the node runs as — all through the {@link NodeGraph};
 * - nodes: create/update/patch and status update/patch (NodeRestriction admission limits them to
 *   its own), get/list/watch of its own Node only (a list or watch names it with
 *   `metadata.name=<node>`, as the API server's request info does);
 * - pods: get of a pod bound to it, list/watch with `spec.nodeName=<node>`, create/delete (mirror
 *   pods), status update/patch and eviction (NodeRestriction again);
 * - leases: get/create/update/patch/delete in `kube-node-lease`, named as the node but for a
 *   create; csinodes: the same verbs, its own but for a create;
 * - anything else: the static rules of the `system:node` ClusterRole (`NodeRules()`).
 *
 * Every other user gets no opinion, and so does a node user the rules do not allow: the reason
 * (`no relationship found between node 'n1' and this object`) ends kube-apiserver's 403 message
 * when RBAC does not allow the request either.
 */
import { ruleAllows, type AuthorizationRequest } from '../../src/api/rbac.js';
import { bootstrapRbacShared } from '../../src/api/rbac-bootstrap.js';
import { parseFieldSelector, type FieldRequirement } from '../../src/api/field-selectors.js';
import type { PolicyRule } from '../../src/api/types.js';
import type { NodeGraph, ReferencedType } from './node-graph.js';

/** The prefix of a node's user name (`user.NodeUserNamePrefix`). */
const NODE_USER_PREFIX = 'system:node:';
/** The group of every node (`user.NodesGroup`). */
const NODES_GROUP = 'system:nodes';
/** `api.NamespaceNodeLease`. */
const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** A request as the Node authorizer sees it: RBAC's attributes and the request's field selector. */
export interface NodeAuthorizationRequest extends AuthorizationRequest {
  /** The list or watch's field selector, as sent. */
  fieldSelector?: string;
}

/** The authorizer's answer: allowed, or no opinion with a reason (possibly empty). */
export interface NodeDecision {
  readonly allowed: boolean;
  readonly reason: string;
}

/** `nodeidentifier.NodeIdentity`: the node's name, '' for a node user without one, undefined for anyone else. */
export function nodeIdentity(user: string, groups: readonly string[]): string | undefined {
  if (!user.startsWith(NODE_USER_PREFIX) || !groups.includes(NODES_GROUP)) return undefined;
  return user.slice(NODE_USER_PREFIX.length);
}

const ALLOW: NodeDecision = { allowed: true, reason: '' };
const deny = (reason = ''): NodeDecision => ({ allowed: false, reason });

/** The Node authorizer of one API server. */
export class NodeAuthorizer {
  /** `bootstrappolicy.NodeRules()`: the rules of the `system:node` ClusterRole. */
  private readonly nodeRules: readonly PolicyRule[];

  constructor(private readonly graph: NodeGraph) {
    const role = bootstrapRbacShared().find((o) => o.kind === 'ClusterRole' && o.metadata?.name === 'system:node');
    this.nodeRules = (role as { rules?: PolicyRule[] } | undefined)?.rules ?? [];
  }

  /** `Authorize`. Undefined for a user that is not a node (no opinion, no reason). */
  authorize(request: NodeAuthorizationRequest): NodeDecision | undefined {
    const node = nodeIdentity(request.user, request.groups);
    if (node === undefined) return undefined;
    if (node === '') return deny(`unknown node for user ${JSON.stringify(request.user)}`);
    if (request.nonResourceURL === undefined) {
      const fields = this.fields(request);
      const attrs = { ...request, name: request.name || (request.verb === 'list' || request.verb === 'watch' ? fields.find((r) => r.field === 'metadata.name' && r.operator !== '!=')?.value : undefined) };
      const group = request.apiGroup ?? '';
      const resource = request.resource ?? '';
      if (group === '') {
        switch (resource) {
          case 'secrets':
            return this.readNamespacedObject(node, 'secret', attrs);
          case 'configmaps':
            return this.readNamespacedObject(node, 'configmap', attrs);
          case 'persistentvolumeclaims':
            if (attrs.subresource === 'status') return this.statusUpdate(node, 'persistentvolumeclaim', attrs);
            return this.get(node, 'persistentvolumeclaim', attrs);
          case 'persistentvolumes':
            return this.get(node, 'persistentvolume', attrs);
          case 'serviceaccounts':
            return this.createToken(node, attrs);
          case 'nodes':
            return this.node(node, attrs);
          case 'pods':
            return this.pod(node, attrs, fields);
        }
      } else if (group === 'storage.k8s.io' && resource === 'volumeattachments') return this.get(node, 'volumeattachment', attrs);
      else if (group === 'coordination.k8s.io' && resource === 'leases') return this.lease(node, attrs);
      else if (group === 'storage.k8s.io' && resource === 'csinodes') return this.csiNode(node, attrs);
    }
    return this.nodeRules.some((rule) => ruleAllows(request, rule)) ? ALLOW : deny();
  }

  private fields(request: NodeAuthorizationRequest): readonly FieldRequirement[] {
    if (!request.fieldSelector) return [];
    try {
      return parseFieldSelector(request.fieldSelector).requirements;
    } catch {
      // an unparsable selector scopes nothing (the request is refused with 400 after authorization)
      return [];
    }
  }

  /** `authorizeStatusUpdate`. */
  private statusUpdate(node: string, type: ReferencedType, attrs: AuthorizationRequest): NodeDecision {
    if (attrs.verb !== 'update' && attrs.verb !== 'patch') return deny('can only get/update/patch this type');
    if (attrs.subresource !== 'status') return deny('can only update status subresource');
    return this.related(node, type, attrs);
  }

  /** `authorizeGet`. */
  private get(node: string, type: ReferencedType | 'pod' | 'persistentvolume' | 'volumeattachment', attrs: AuthorizationRequest): NodeDecision {
    if (attrs.verb !== 'get') return deny('can only get individual resources of this type');
    if (attrs.subresource) return deny('cannot get subresource');
    return this.related(node, type, attrs);
  }

  /** `authorizeReadNamespacedObject`. */
  private readNamespacedObject(node: string, type: ReferencedType, attrs: AuthorizationRequest): NodeDecision {
    if (!['get', 'list', 'watch'].includes(attrs.verb)) return deny('can only read resources of this type');
    if (attrs.subresource) return deny('cannot read subresource');
    if (!attrs.namespace) return deny('can only read namespaced object of this type');
    return this.related(node, type, attrs);
  }

  /** `authorize`: a path from the named object to the node. */
  private related(node: string, type: ReferencedType | 'pod' | 'persistentvolume' | 'volumeattachment', attrs: AuthorizationRequest): NodeDecision {
    if (!attrs.name) return deny('No Object name found');
    return this.graph.hasPath(node, type, attrs.namespace ?? '', attrs.name) ? ALLOW : deny(`no relationship found between node '${node}' and this object`);
  }

  /** `authorizeCreateToken`. */
  private createToken(node: string, attrs: AuthorizationRequest): NodeDecision {
    if (attrs.verb !== 'create' || !attrs.name) return deny('can only create tokens for individual service accounts');
    if (attrs.subresource !== 'token') return deny('can only create token subresource of serviceaccount');
    return this.graph.hasPath(node, 'serviceaccount', attrs.namespace ?? '', attrs.name) ? ALLOW : deny(`no relationship found between node '${node}' and this object`);
  }

  /** `authorizeLease`. */
  private lease(node: string, attrs: AuthorizationRequest): NodeDecision {
    if (!['get', 'create', 'update', 'patch', 'delete'].includes(attrs.verb)) return deny('can only get, create, update, patch, or delete a node lease');
    if (attrs.namespace !== NODE_LEASE_NAMESPACE) return deny(`can only access leases in the ${JSON.stringify(NODE_LEASE_NAMESPACE)} system namespace`);
    if (attrs.verb !== 'create' && attrs.name !== node) return deny('can only access node lease with the same name as the requesting node');
    return ALLOW;
  }

  /** `authorizeCSINode`. */
  private csiNode(node: string, attrs: AuthorizationRequest): NodeDecision {
    if (!['get', 'create', 'update', 'patch', 'delete'].includes(attrs.verb)) return deny('can only get, create, update, patch, or delete a CSINode');
    if (attrs.subresource) return deny('cannot authorize CSINode subresources');
    if (attrs.verb !== 'create' && attrs.name !== node) return deny('can only access CSINode with the same name as the requesting node');
    return ALLOW;
  }

  /** `authorizeNode`. */
  private node(node: string, attrs: AuthorizationRequest): NodeDecision {
    if (!attrs.subresource) {
      if (['create', 'update', 'patch'].includes(attrs.verb)) return ALLOW;
      if (['get', 'list', 'watch'].includes(attrs.verb)) {
        if (attrs.name === node) return ALLOW;
        if (!attrs.name) return deny(`node '${node}' cannot read all nodes, only its own Node object`);
        return deny(`node '${node}' cannot read '${attrs.name}', only its own Node object`);
      }
    } else if (attrs.subresource === 'status' && (attrs.verb === 'update' || attrs.verb === 'patch')) return ALLOW;
    return deny();
  }

  /** `authorizePod`. */
  private pod(node: string, attrs: AuthorizationRequest, fields: readonly FieldRequirement[]): NodeDecision {
    const sub = attrs.subresource ?? '';
    if (sub === '') {
      if (attrs.verb === 'get') return this.get(node, 'pod', attrs);
      if (attrs.verb === 'list' || attrs.verb === 'watch') {
        if (fields.some((r) => r.field === 'spec.nodeName' && r.operator !== '!=' && r.value === node)) return ALLOW;
        if (attrs.name) return this.related(node, 'pod', attrs);
        return deny('can only list/watch pods with spec.nodeName field selector');
      }
      if (attrs.verb === 'create' || attrs.verb === 'delete') return ALLOW;
    } else if (sub === 'status' && (attrs.verb === 'update' || attrs.verb === 'patch')) return ALLOW;
    else if (sub === 'eviction' && attrs.verb === 'create') return ALLOW;
    return deny();
  }
}

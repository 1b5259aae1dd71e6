/**
 * The Table printers of networking.k8s.io/v1, as kube-apiserver's (`pkg/printers/internalversion`):
 * Ingress (`printIngress`: NAME, CLASS, HOSTS, ADDRESS, PORTS, AGE), IngressClass
 * (`printIngressClass`: NAME, CONTROLLER, PARAMETERS, AGE), NetworkPolicy (`printNetworkPolicy`:
 * NAME, POD-SELECTOR, AGE).
 */
import type { LabelSelector } from './types.js';
import type { BatchPrinter, PrinterKit } from './batch-printers.js';
import { ageSince } from './printers-common.js';
import { formatLabelSelector } from './label-selector.js';
import { isObject } from './json-values.js';

type Obj = Record<string, unknown>;
const isObj: (v: unknown) => v is Obj = isObject;
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

/** `formatHosts`: up to three rule hosts, `*` when none, `+ N more...` beyond. */
function formatHosts(rules: Obj[]): string {
  const hosts: string[] = [];
  let more = false;
  for (const rule of rules) {
    if (hosts.length === 3) more = true;
    if (!more && typeof rule['host'] === 'string' && rule['host'] !== '') hosts.push(rule['host']);
  }
  if (hosts.length === 0) return '*';
  return more ? `${hosts.join(',')} + ${rules.length - 3} more...` : hosts.join(',');
}

/** `ingressLoadBalancerStatusStringer`: the load balancer's IPs and hostnames. */
function address(status: Obj): string {
  return list(obj(status['loadBalancer'])['ingress'])
    .map((i) => String(i['ip'] || i['hostname'] || ''))
    .filter((s) => s !== '')
    .join(',');
}

/** The printers by plural: ingresses, ingressclasses, networkpolicies. */
export function networkingPrinters(kit: PrinterKit): Record<string, BatchPrinter> {
  const { NAME, AGE, col } = kit;
  const name = (o: Obj) => String(obj(o['metadata'])['name'] ?? '');
  const age = (o: Obj, now: number) => ageSince(obj(o['metadata'])['creationTimestamp'], now);
  return {
    ingresses: {
      columns: [
        NAME,
        col('Class', 'string', 'The name of the IngressClass resource that should be used'),
        col('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
        col('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
        col('Ports', 'string', 'Ports of TLS configurations that open'),
        AGE,
      ],
      row(o, now) {
        const spec = obj(o['spec']);
        const cls = typeof spec['ingressClassName'] === 'string' ? spec['ingressClassName'] : '<none>';
        return { cells: [name(o), cls, formatHosts(list(spec['rules'])), address(obj(o['status'])), list(spec['tls']).length > 0 ? '80, 443' : '80', age(o, now)] };
      },
    },
    ingressclasses: {
      columns: [NAME, col('Controller', 'string', 'Controller that is responsible for handling this class'), col('Parameters', 'string', 'A reference to a resource with additional parameters'), AGE],
      row(o, now) {
        const spec = obj(o['spec']);
        const p = spec['parameters'];
        let params = '<none>';
        if (isObj(p)) params = `${String(p['kind'] ?? '')}${typeof p['apiGroup'] === 'string' ? `.${p['apiGroup']}` : ''}/${String(p['name'] ?? '')}`;
        return { cells: [name(o), String(spec['controller'] ?? ''), params, age(o, now)] };
      },
    },
    networkpolicies: {
      columns: [NAME, col('Pod-Selector', 'string', 'Pod selector'), AGE],
      row(o, now) {
        return { cells: [name(o), formatLabelSelector(obj(o['spec'])['podSelector'] as LabelSelector | undefined), age(o, now)] };
      },
    },
  };
}

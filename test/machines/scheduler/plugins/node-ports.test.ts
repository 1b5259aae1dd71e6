/** NodePorts, after kube-scheduler's `nodeports/node_ports_test.go` (TestNodePorts). */
import { describe, it, expect } from 'vitest';
import type { Pod } from '../../../../src/api/types.js';
import { NodePorts, ERR_REASON_NODE_PORTS, hostPortConflicts } from '../../../../machines/scheduler/plugins/node-ports.js';
import { SUCCESS } from '../../../../machines/scheduler/framework.js';
import { podHostPorts, podResourceRecord } from '../../../../machines/scheduler/node-info.js';
import { ActionType } from '../../../../machines/scheduler/events.js';
import { makeNode, makePod, nodeInfo, registration, stateOf } from '../helpers.js';

/** A pod whose container asks for `proto/ip/port` host ports (kube's test helper `newPod`). */
function withPorts(name: string, ...specs: string[]): Pod {
  const p = makePod(name);
  const ports = specs.map((s) => {
    const [protocol, hostIP, port] = s.split('/');
    return { protocol, hostIP, hostPort: Number(port), containerPort: Number(port) };
  });
  return { ...p, spec: { ...p.spec, containers: [{ ...p.spec!.containers[0]!, ports }] } } as Pod;
}

function fits(pod: Pod, existing: Pod[]): boolean | 'skip' {
  const state = stateOf(pod);
  if (NodePorts.preFilter!(pod, state)?.status?.code === 'Skip') return 'skip';
  const st = NodePorts.filter(pod, nodeInfo(makeNode('n'), existing), state);
  if (st !== SUCCESS) expect(st).toEqual({ code: 'Unschedulable', reasons: [ERR_REASON_NODE_PORTS] });
  return st === SUCCESS;
}

describe('NodePorts filter', () => {
  const table: [string, Pod, Pod[], boolean | 'skip'][] = [
    ['nothing running', withPorts('p', 'UDP/127.0.0.1/8080'), [], true],
    ['other port', withPorts('p', 'UDP/127.0.0.1/8080'), [withPorts('e', 'UDP/127.0.0.1/9090')], true],
    ['same udp port', withPorts('p', 'UDP/127.0.0.1/8080'), [withPorts('e', 'UDP/127.0.0.1/8080')], false],
    ['same tcp port', withPorts('p', 'TCP/127.0.0.1/8080'), [withPorts('e', 'TCP/127.0.0.1/8080')], false],
    ['different host ip', withPorts('p', 'TCP/127.0.0.1/8080'), [withPorts('e', 'TCP/127.0.0.2/8080')], true],
    ['different protocol', withPorts('p', 'UDP/127.0.0.1/8080'), [withPorts('e', 'TCP/127.0.0.1/8080')], true],
    ['second udp port conflict', withPorts('p', 'UDP/127.0.0.1/8000', 'UDP/127.0.0.1/8080'), [withPorts('e', 'UDP/127.0.0.1/8080')], false],
    ['first tcp port conflict', withPorts('p', 'TCP/127.0.0.1/8001', 'UDP/127.0.0.1/8080'), [withPorts('e', 'TCP/127.0.0.1/8001', 'UDP/127.0.0.1/8081')], false],
    ['first tcp port conflict due to 0.0.0.0 hostIP', withPorts('p', 'TCP/0.0.0.0/8001'), [withPorts('e', 'TCP/127.0.0.1/8001')], false],
    ['TCP hostPort conflict due to 0.0.0.0 hostIP', withPorts('p', 'TCP/10.0.10.10/8001', 'TCP/0.0.0.0/8001'), [withPorts('e', 'TCP/127.0.0.1/8001')], false],
    ['second tcp port conflict to 0.0.0.0 hostIP', withPorts('p', 'TCP/127.0.0.1/8001'), [withPorts('e', 'TCP/0.0.0.0/8001')], false],
    ['second different protocol', withPorts('p', 'UDP/127.0.0.1/8001'), [withPorts('e', 'TCP/0.0.0.0/8001')], true],
    ['UDP hostPort conflict due to 0.0.0.0 hostIP', withPorts('p', 'UDP/127.0.0.1/8001'), [withPorts('e', 'TCP/0.0.0.0/8001', 'UDP/0.0.0.0/8001')], false],
    ['pod without host ports', makePod('p'), [withPorts('e', 'TCP/0.0.0.0/8001')], 'skip'],
  ];
  for (const [name, pod, existing, want] of table) it(name, () => expect(fits(pod, existing)).toBe(want));

  it('defaults: no hostIP binds 0.0.0.0, no protocol is TCP; hostPort 0 asks for nothing', () => {
    const p = makePod('p');
    const pod = { ...p, spec: { ...p.spec, containers: [{ name: 'c', image: 'x', ports: [{ hostPort: 80, containerPort: 80 }, { containerPort: 81 }] }] } } as Pod;
    expect(podHostPorts(pod)).toEqual([{ ip: '0.0.0.0', protocol: 'TCP', port: 80 }]);
    expect(hostPortConflicts(undefined, { ip: '0.0.0.0', protocol: 'TCP', port: 80 })).toBe(false);
  });

  it('a pod leaving the node frees its ports', () => {
    const e = withPorts('e', 'TCP/0.0.0.0/8001');
    const ni = nodeInfo(makeNode('n'), [e]);
    expect(ni.usedPorts?.size).toBe(1);
    ni.removePod(podResourceRecord(e));
    expect(ni.usedPorts).toBeUndefined();
  });
});

describe('NodePorts events and queueing hint (isSchedulableAfterPodDeleted, after Test_isSchedulableAfterPodDeleted)', () => {
  it('registers Pod Delete (with the hint) and Node Add', () => {
    expect(NodePorts.events!.map((e) => [e.event.resource, e.event.actionType, e.hint !== undefined])).toEqual([
      ['Pod', ActionType.Delete, true],
      ['Node', ActionType.Add, false],
    ]);
  });
  const bound = (p: Pod): Pod => ({ ...p, spec: { ...p.spec!, nodeName: 'fake-node' } });
  const target = withPorts('pod1', 'TCP/0.0.0.0/8080');
  const { hint } = registration(NodePorts, 'Pod');
  it.each<[string, Pod, 'Queue' | 'QueueSkip']>([
    ['skip-queue-on-unscheduled', withPorts('pod2', 'TCP/0.0.0.0/8080'), 'QueueSkip'],
    ['skip-queue-on-non-hostport', bound(makePod('pod2')), 'QueueSkip'],
    ['skip-queue-on-unrelated-hostport', bound(withPorts('pod2', 'TCP/0.0.0.0/8081')), 'QueueSkip'],
    ['queue-on-released-hostport', bound(withPorts('pod2', 'TCP/0.0.0.0/8080')), 'Queue'],
    ['queue-on-released-hostport of a nominated pod', { ...withPorts('pod2', 'TCP/0.0.0.0/8080'), status: { nominatedNodeName: 'fake-node' } }, 'Queue'],
  ])('%s', (_name, deleted, want) => {
    expect(hint(target, deleted, undefined)).toBe(want);
  });
});

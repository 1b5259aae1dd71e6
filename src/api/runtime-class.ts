/**
 * The RuntimeClass admission plugin (`plugin/pkg/admission/runtimeclass`) as far as this API
 * server goes: it serves no RuntimeClass (node.k8s.io), so a pod naming one is refused as a real
 * cluster refuses a class that does not exist, and a pod setting `spec.overhead` itself (which
 * only a RuntimeClass may define) is refused too. Both fields would otherwise change placement
 * (the class's scheduling constraints and overhead) without being honoured.
 */

/** @returns the Forbidden message for a pod spec, or undefined when it is admitted. */
export function admitPodRuntimeClass(spec: Readonly<Record<string, unknown>>): string | undefined {
  const name = spec['runtimeClassName'];
  if (typeof name === 'string' && name !== '') return `pod rejected: RuntimeClass "${name}" not found`;
  if (spec['overhead'] !== undefined && spec['overhead'] !== null) return 'pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead';
  return undefined;
}

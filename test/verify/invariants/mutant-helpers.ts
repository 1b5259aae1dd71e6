/** Mutant controllers for the workload and storage invariants' tests: a built-in controller whose API client rewrites what it sends. */
import type { KubeObject } from '../../../src/api/types.js';
import { controllerSpecOf, defineController, type ControllerClient, type ControllerMachine, type ResourceRef } from '../../../machines/controllers/controller.js';

type Rewrite = (resource: ResourceRef, body: KubeObject, ctx: { list(w: string): KubeObject[] }) => KubeObject;

/** The controller with every create and update body passed through `rewrite` first. */
export function rewritingController(machine: ControllerMachine, rewrite: Rewrite): ControllerMachine {
  const spec = controllerSpecOf(machine)!;
  return defineController({
    ...spec,
    sync(key, ctx) {
      const client: ControllerClient = {
        ...ctx.client,
        create: (ref, ns, body, options) => ctx.client.create(ref, ns, rewrite(ref, body, ctx), options),
        update: (ref, obj, options) => ctx.client.update(ref, rewrite(ref, obj, ctx), options),
      };
      const wrapped = new Proxy(ctx, { get: (target, p) => (p === 'client' ? client : Reflect.get(target, p)) });
      return spec.sync(key, wrapped);
    },
  });
}

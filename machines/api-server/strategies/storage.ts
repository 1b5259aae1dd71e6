/**
 * The PersistentVolume and PersistentVolumeClaim strategies (`pkg/registry/core/persistentvolume`,
 * `persistentvolumeclaim`): both start Pending; a claim without a class gets the default
 * StorageClass (the DefaultStorageClass admission plugin, in admission.ts).
 */
import type { Strategy } from '../strategy.js';
import { admitStorageCreate } from '../admission.js';
import { findResource } from '../../../src/api/resources.js';

const PVS = findResource('persistentvolumes')!;
const PVCS = findResource('persistentvolumeclaims')!;

/** The PersistentVolume strategy. */
export const persistentVolumeStrategy: Strategy = {
  generation: false,
  prepareForCreate(obj, ctx) {
    obj.status = { phase: 'Pending' };
    admitStorageCreate(PVS, obj, () => ctx.list('storageclasses'));
  },
};

/** The PersistentVolumeClaim strategy. */
export const persistentVolumeClaimStrategy: Strategy = {
  generation: false,
  prepareForCreate(obj, ctx) {
    obj.status = { phase: 'Pending' };
    admitStorageCreate(PVCS, obj, () => ctx.list('storageclasses'));
  },
};

/**
 * bound-claims-match-volumes (safety): a bound PersistentVolumeClaim's volume is bound to it.
 * For every claim in phase Bound with a `volumeName`, the volume exists and its `claimRef` names
 * that claim (namespace, name and uid).
 */
import type { PersistentVolume, PersistentVolumeClaim } from '../../api/types.js';
import { violation, type Invariant, type Violation } from '../invariant.js';
import { objectKey } from '../../api/object-key.js';

export const boundClaimsMatchVolumes: Invariant = {
  name: 'bound-claims-match-volumes',
  kind: 'safety',
  description: "a bound PersistentVolumeClaim's PersistentVolume exists and is bound to that claim",
  check(cluster) {
    const out: Violation[] = [];
    for (const claim of cluster.objects<PersistentVolumeClaim>('persistentvolumeclaims')) {
      const name = claim.spec?.volumeName;
      if (claim.status?.phase !== 'Bound' || !name) continue;
      const pv = cluster.object<PersistentVolume>('persistentvolumes', name);
      if (!pv) {
        out.push(violation('bound-claims-match-volumes', `claim ${objectKey(claim)} is Bound to volume ${name}, which does not exist`, cluster.now()));
        continue;
      }
      const ref = pv.spec?.claimRef;
      if (!ref || ref.namespace !== claim.metadata?.namespace || ref.name !== claim.metadata?.name || ref.uid !== claim.metadata?.uid) {
        const to = ref ? `${ref.namespace}/${ref.name} (uid ${ref.uid ?? 'none'})` : 'no claim';
        out.push(violation('bound-claims-match-volumes', `claim ${objectKey(claim)} (uid ${claim.metadata?.uid}) is Bound to volume ${name}, but the volume is bound to ${to}`, cluster.now()));
      }
    }
    return out;
  },
};

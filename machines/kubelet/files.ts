/**
 * A container's file tree: the files of its image and of its pod's volumes, as path → content.
 * Directories are implied by the paths of the files in them.
 */

/** Files by absolute path (`/etc/config/app.yaml` → its content). */
export type FileTree = Readonly<Record<string, string>>;

/** The files of a tree as `[path, content]` pairs, in path order. */
export function files(tree: FileTree): [string, string][] {
  return Object.keys(tree)
    .sort()
    .map((k) => [k, tree[k]!]);
}

/** A tree with `extra` laid over `base` (a volume mounted over an image's directory hides what was there). */
export function overlay(base: FileTree, mounts: readonly { path: string; files: FileTree }[]): FileTree {
  const out: Record<string, string> = {};
  const hidden = mounts.map((m) => `${m.path.replace(/\/+$/, '')}/`);
  for (const [k, v] of Object.entries(base)) if (!hidden.some((h) => k.startsWith(h))) out[k] = v;
  for (const m of mounts) {
    const dir = m.path.replace(/\/+$/, '');
    for (const [k, v] of Object.entries(m.files)) out[k === '' ? dir : `${dir}/${k}`] = v;
  }
  return out;
}

/**
 * The `realistic` profile: timings of a real cluster on a decent network, in seconds. Image
 * pulls take 1–8 s by image size class, a container starts in about 0.5–1 s and turns ready
 * 1–3 s later; the sandbox (pause container, pod network) takes 0.3–1 s.
 */
import { KUBELET_DEFAULTS, standardPresets, type ImageRule, type TimingProfile } from './profile.js';

/** Image size classes: small (busybox, alpine, pause), medium (web servers, caches), large (language runtimes, databases, ML). */
export const IMAGE_SIZE_CLASSES: ImageRule[] = [
  ...['busybox*', 'alpine*', 'pause*', 'hello-world*', 'curlimages/curl*', 'curl*'].map((match) => ({ match, behavior: { pullMs: [1_000, 2_000] as const } })),
  ...['nginx*', 'httpd*', 'redis*', 'memcached*', 'traefik*', 'envoy*', 'caddy*', 'haproxy*', 'coredns*', 'kube-proxy*'].map((match) => ({
    match,
    behavior: { pullMs: [2_000, 4_000] as const },
  })),
  ...['python*', 'node*', 'golang*', 'openjdk*', 'eclipse-temurin*', 'ruby*', 'php*', 'postgres*', 'mysql*', 'mariadb*', 'mongo*', 'elasticsearch*', 'rabbitmq*', 'kafka*', '*tensorflow*', '*pytorch*', '*cuda*'].map(
    (match) => ({ match, behavior: { pullMs: [5_000, 8_000] as const } }),
  ),
];

/** Seconds-scale timings of a real cluster. */
export const realistic: TimingProfile = {
  name: 'realistic',
  description: 'Seconds, as on a real cluster: pulls 1-8 s by image size class, start 0.5-1 s, ready 1-3 s later, sandbox 0.3-1 s.',
  container: {
    pullMs: [2_000, 5_000],
    createMs: [100, 300],
    startMs: [300, 700],
    readyAfterMs: [1_000, 3_000],
    stopMs: [200, 1_000],
  },
  initContainer: { exit: { afterMs: [1_000, 3_000], code: 0 } },
  images: IMAGE_SIZE_CLASSES,
  // catalog images (src/profiles/images.ts) pull in their size over a 40 MB/s link
  registry: { bandwidthMBps: 40, latencyMs: 500 },
  presets: standardPresets({
    completeAfterMs: [5_000, 15_000],
    crashAfterMs: [2_000, 5_000],
    oomAfterMs: [5_000, 20_000],
    livenessFailsAfterMs: [20_000, 40_000],
    slowStartMs: [10_000, 20_000],
    slowReadyMs: [20_000, 40_000],
  }),
  kubelet: {
    ...KUBELET_DEFAULTS,
    podStartLatencyMs: [300, 1_000],
  },
};

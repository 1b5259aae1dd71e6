/**
 * The image catalog: what the simulated registry holds and what a container of each image does,
 * as data. An entry names a repository, the tags that exist, its size (pull time), its ENTRYPOINT
 * and CMD, its shell, the servers it ships (`nginx` listens on 80 and serves its default page,
 * `redis-server` listens on 6379) and the files of its filesystem that manifests read.
 *
 * Users extend it with a profile's `catalog` (their entries come first). An image that is not in
 * the catalog is taken as a plausible private image: it pulls, and its entrypoint runs as a
 * long-lived process listening on the container's declared ports. A catalog repository with a
 * tag it does not have fails to pull as a real registry would (`ErrImagePull`, `not found`).
 */
import type { Container } from '../api/types.js';
import { PERL } from './perl.js';
import { stressDemand, vishStressDemand, type Demand } from './stress.js';
import { normalizeImage } from './profile.js';

/** A line a server writes when it starts, given its start time (ms since 1970). */
export type StartupLine = (abs: number) => { stream: 'stdout' | 'stderr'; text: string };

/** A server or program an image ships (`nginx`, `redis-server`, `python3`). */
export interface ImageProgram {
  /** TCP ports it listens on; `declared`: the container's declared `ports`. */
  ports: number[] | 'declared';
  /** Lines it writes when it starts. */
  startup?: StartupLine[];
  /**
   * HTTP servers, per port: the body it answers `GET /` with, or with a document `root` the
   * container's files under it (`GET /` is its `index.html`, as the container has it now).
   */
  http?: Record<number, { status: number; body: string; server: string; accessLog?: boolean; cpuMsPerRequest?: number; root?: string; paths?: Record<string, { status: number; body: string }> }>;
  /** gRPC servers: ports answering the standard health service (SERVING). */
  grpc?: number[];
  /** An entrypoint script that runs its arguments (`/docker-entrypoint.sh nginx -g ...`): writes `startup` when its first argument is one of `wraps`, then runs the arguments. */
  wrapper?: { wraps: string[] };
  /** Run with no arguments it exits at once with code 0 (an interpreter with no script and no terminal: `python3`, `node`). */
  exitsWithoutArgs?: boolean;
  /**
   * A batch program: given its arguments, what it writes on stdout, its exit code and how long it
   * runs (virtual ms); undefined for arguments it does not model (it then runs until stopped).
   */
  run?: (args: readonly string[]) => { stdout: string; code: number; ms: number } | undefined;
  /** A load generator: the memory and CPU it takes, from its arguments (`stress --vm 1 --vm-bytes 150M`). */
  demand?: (args: readonly string[]) => Demand | undefined;
}

/** One repository of the simulated registry. */
export interface ImageEntry {
  /** Full repository (`docker.io/library/nginx`); short names are normalized (`nginx` matches). */
  repository: string;
  /** Tags that exist: exact names or patterns. Default: {@link DEFAULT_TAGS}. */
  tags?: (string | RegExp)[];
  /** Compressed size in MB (pull time). */
  sizeMB: number;
  /** ENTRYPOINT (replaced by the container's `command`). */
  entrypoint?: string[];
  /** CMD (replaced by the container's `args`; dropped when `command` is set). */
  cmd?: string[];
  /** The shell it has (`sh` for busybox/alpine/debian images); none for distroless or pause. */
  shell?: 'sh' | 'bash' | 'none';
  /** Message style of its tools: busybox or GNU coreutils. Default gnu. */
  flavor?: 'busybox' | 'gnu';
  /** Programs it ships besides the shell's modelled commands, by name or path. */
  programs?: Record<string, ImageProgram>;
  /** Files of its filesystem (path → content). */
  files?: Record<string, string>;
  /** Modelled commands it ships besides its shell's (`curl`); a busybox image's applets need not be listed. */
  commands?: string[];
  /**
   * The processes `ps` shows of a container that runs the image's own ENTRYPOINT and CMD (a server
   * that renames itself and forks workers), user `root` unless given; default: one process, the argv.
   */
  processes?: { user?: string; command: string }[];
}

/** Tags a catalog repository has unless it lists its own: `latest`, versions (`1.27`, `1.27.3-alpine`, `v2`) and common variants. */
const DEFAULT_TAGS: RegExp[] = [
  /^(latest|stable|mainline|alpine|slim|bookworm|bullseye|buster|jammy|noble|focal|musl|glibc|uclibc|perl|otel|lts|current)$/,
  /^v?\d+(\.\d+){0,3}([-_.+][a-z0-9]+)*$/,
];

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
function utc(abs: number): { y: number; mo: number; d: number; h: number; mi: number; s: number; ms: number; day: number } {
  const t = new Date(abs);
  return { y: t.getUTCFullYear(), mo: t.getUTCMonth(), d: t.getUTCDate(), h: t.getUTCHours(), mi: t.getUTCMinutes(), s: t.getUTCSeconds(), ms: t.getUTCMilliseconds(), day: t.getUTCDay() };
}
const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** nginx's error-log time: `2026/01/01 00:00:05`. */
function nginxTime(abs: number): string {
  const u = utc(abs);
  return `${u.y}/${pad(u.mo + 1)}/${pad(u.d)} ${pad(u.h)}:${pad(u.mi)}:${pad(u.s)}`;
}

function redisTime(abs: number): string {
  const u = utc(abs);
  return `${pad(u.d)} ${MON[u.mo]} ${u.y} ${pad(u.h)}:${pad(u.mi)}:${pad(u.s)}.${pad(u.ms, 3)}`;
}

/** nginx's default page (`/usr/share/nginx/html/index.html`, 615 bytes). */
const NGINX_INDEX = `<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
`;

const out = (text: string): StartupLine => () => ({ stream: 'stdout', text });
const nginxNotice = (text: string): StartupLine => (abs) => ({ stream: 'stderr', text: `${nginxTime(abs)} [notice] 1#1: ${text}` });

const NGINX: ImageProgram = {
  ports: [80],
  startup: [
    nginxNotice('using the "epoll" event method'),
    nginxNotice('nginx/1.27.3'),
    nginxNotice('built by gcc 12.2.0 (Debian 12.2.0-14) '),
    nginxNotice('OS: Linux 6.1.0-kube-actors'),
    nginxNotice('getrlimit(RLIMIT_NOFILE): 1048576:1048576'),
    nginxNotice('start worker processes'),
    nginxNotice('start worker process 29'),
  ],
  http: { 80: { status: 200, body: NGINX_INDEX, server: 'nginx/1.27.3', accessLog: true, root: '/usr/share/nginx/html' } },
};

const NGINX_ENTRYPOINT: ImageProgram = {
  ports: [],
  wrapper: { wraps: ['nginx', 'nginx-debug'] },
  startup: [
    out('/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration'),
    out('/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/'),
    out('/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh'),
    out('10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf'),
    out('10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf'),
    out('/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh'),
    out('/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh'),
    out('/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh'),
    out('/docker-entrypoint.sh: Configuration complete; ready for start up'),
  ],
};

const redisLine =
  (role: string, mark: string, text: string): StartupLine =>
  (abs) => ({ stream: 'stdout', text: `1:${role} ${redisTime(abs)} ${mark} ${text}` });

const REDIS: ImageProgram = {
  ports: [6379],
  startup: [
    redisLine('C', '*', 'oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo'),
    redisLine('C', '*', 'Redis version=7.4.1, bits=64, commit=00000000, modified=0, pid=1, just started'),
    redisLine('C', '#', 'Warning: no config file specified, using the default config. In order to specify a config file use redis-server /path/to/redis.conf'),
    redisLine('M', '*', 'monotonic clock: POSIX clock_gettime'),
    redisLine('M', '*', 'Running mode=standalone, port=6379.'),
    redisLine('M', '*', 'Server initialized'),
    redisLine('M', '*', 'Ready to accept connections tcp'),
  ],
};

/** klog's header (`I1208 03:00:00.000000       1 server.go:483] `): severity, date, time, pid 1, source line. */
const klog =
  (severity: 'I' | 'E', source: string, text: string): StartupLine =>
  (abs) => {
    const u = utc(abs);
    return { stream: 'stderr', text: `${severity}${pad(u.mo + 1)}${pad(u.d)} ${pad(u.h)}:${pad(u.mi)}:${pad(u.s)}.${pad(u.ms, 3)}000       1 ${source}] ${text}` };
  };

/**
 * CoreDNS 1.11.3 (kubeadm's for Kubernetes 1.32) run with `-conf /etc/coredns/Corefile`: its
 * startup banner, the kubernetes plugin answering DNS on 53 (modelled by the cluster DNS,
 * machines/kubelet/network.ts), `health` on 8080 (`/health`), `ready` on 8181 (`/ready`) and
 * `prometheus` on 9153.
 */
const COREDNS: ImageProgram = {
  ports: [53, 8080, 8181, 9153],
  startup: [
    out('.:53'),
    out('[INFO] plugin/reload: Running configuration SHA512 = 591cf328cccc12bc490481273e738df59329c62c0b729d94e8b61db9961c2fa5f046dd37f1cf888b953814040d180f52594972691cd6ff41be96639138a43908'),
    out('CoreDNS-1.11.3'),
    out('linux/amd64, go1.21.11, a6338e9'),
  ],
  http: {
    8080: { status: 404, body: '404 page not found\n', server: 'CoreDNS', paths: { '/health': { status: 200, body: 'OK' } } },
    8181: { status: 404, body: '404 page not found\n', server: 'CoreDNS', paths: { '/ready': { status: 200, body: 'OK' } } },
    9153: { status: 404, body: '404 page not found\n', server: 'CoreDNS', paths: { '/metrics': { status: 200, body: '# HELP coredns_build_info A metric with a constant \'1\' value labeled by version, revision, and goversion from which CoreDNS was built.\n# TYPE coredns_build_info gauge\ncoredns_build_info{goversion="go1.21.11",revision="a6338e9",version="1.11.3"} 1\n' } } },
  },
};

/**
 * kube-proxy v1.32.0 in iptables mode, as kubeadm's DaemonSet runs it: what it logs when it
 * starts. The rules themselves are kept by the node's kube-proxy actor (machines/kube-proxy.ts),
 * which this container stands for in the API (see docs/profiles.md).
 */
const KUBE_PROXY: ImageProgram = {
  ports: [10249, 10256],
  startup: [
    klog('I', 'server_linux.go:66', '"Using iptables proxy"'),
    klog('I', 'conntrack.go:60', '"Setting nf_conntrack_max" nfConntrackMax=131072'),
    klog('E', 'server.go:234', '"Kube-proxy configuration may be incomplete or incorrect" err="nodePortAddresses is unset; NodePort connections will be accepted on all local IPs. Consider using `--nodeport-addresses primary`"'),
    klog('I', 'server_linux.go:170', '"Using iptables Proxier"'),
    klog('I', 'server.go:483', '"Version info" version="v1.32.0"'),
    klog('I', 'server.go:485', '"Golang settings" GOGC="" GOMAXPROCS="" GOTRACEBACK=""'),
    klog('I', 'config.go:199', '"Starting service config controller"'),
    klog('I', 'shared_informer.go:313', 'Waiting for caches to sync for service config'),
    klog('I', 'config.go:105', '"Starting endpoint slice config controller"'),
    klog('I', 'shared_informer.go:313', 'Waiting for caches to sync for endpoint slice config'),
    klog('I', 'config.go:329', '"Starting node config controller"'),
    klog('I', 'shared_informer.go:313', 'Waiting for caches to sync for node config'),
    klog('I', 'shared_informer.go:320', 'Caches are synced for node config'),
    klog('I', 'shared_informer.go:320', 'Caches are synced for service config'),
    klog('I', 'shared_informer.go:320', 'Caches are synced for endpoint slice config'),
  ],
  http: {
    10256: { status: 404, body: '404 page not found\n', server: 'kube-proxy', paths: { '/healthz': { status: 200, body: '{"lastUpdated": "", "currentTime": ""}' }, '/livez': { status: 200, body: 'ok' } } },
  },
};

const server = (ports: number[], startup: string[] = []): ImageProgram => ({ ports, startup: startup.map(out) });
const runtime: ImageProgram = { ports: 'declared', exitsWithoutArgs: true };

/**
 * registry.k8s.io/hpa-example, the HorizontalPodAutoscaler walkthrough's server: `FROM php:5-apache`
 * with an index.php that burns CPU on every request and answers `OK!`:
 *
 *     $x = 0.0001;
 *     for ($i = 0; $i <= 1000000; $i++) { $x += sqrt($x); }
 *     echo "OK!";
 *
 * A request costs {@link HPA_EXAMPLE_CPU_MS} of CPU: a million iterations of the PHP 5 interpreter
 * at about 20 ns each (a compare, a call of sqrt, an add and an increment), and what the walkthrough's
 * own figures give: its one load generator (`while sleep 0.01; do wget ...; done`, one request at
 * a time, 10 ms apart) keeps 7 replicas at 44% of their 200m, about 0.62 cores, and a loop of
 * period 10 ms + c spends c / (10 ms + c) cores, which is 0.62 for c ≈ 17-20 ms.
 */
export const HPA_EXAMPLE_CPU_MS = 20;

const APACHE_PHP: ImageProgram = {
  ports: [80],
  startup: [
    () => ({ stream: 'stderr', text: "AH00558: apache2: Could not reliably determine the server's fully qualified domain name, using 127.0.0.1. Set the 'ServerName' directive globally to suppress this message" }),
    (abs) => ({ stream: 'stderr', text: `[${apacheTime(abs)}] [mpm_prefork:notice] [pid 1] AH00163: Apache/2.4.25 (Debian) PHP/5.6.40 configured -- resuming normal operations` }),
    (abs) => ({ stream: 'stderr', text: `[${apacheTime(abs)}] [core:notice] [pid 1] AH00094: Command line: 'apache2 -D FOREGROUND'` }),
  ],
  http: { 80: { status: 200, body: 'OK!', server: 'Apache/2.4.25 (Debian)', cpuMsPerRequest: HPA_EXAMPLE_CPU_MS } },
  // idle: Apache's prefork parent and its five children waiting, half a millicore (0% of the walkthrough's 200m) and 12Mi
  demand: () => ({ milliCpu: 0.5, memoryBytes: 12 * 2 ** 20 }),
};

/** Apache's error-log time: `Tue Dec 08 02:40:02.000000 2026`. */
function apacheTime(abs: number): string {
  const t = utc(abs);
  return `${DAY[t.day]} ${MON[t.mo]} ${pad(t.d)} ${pad(t.h)}:${pad(t.mi)}:${pad(t.s)}.${pad(t.ms, 3)}000 ${t.y}`;
}
const DAY = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

const DEBIAN_FILES = { '/etc/os-release': 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n' };
const ALPINE_FILES = { '/etc/os-release': 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME="Alpine Linux v3.20"\n' };

/**
 * nginx's tags: its releases are 1.MINOR.PATCH (minors up to 1.29 so far), with the image's
 * variants; so the Deployment documentation's typo `nginx:1.161` does not exist, as on Docker Hub.
 */
const NGINX_TAGS: RegExp[] = [
  /^(latest|stable|mainline)(-(alpine|bookworm|perl|otel|alpine-slim|alpine-perl|alpine-otel|bookworm-perl|bookworm-otel))?$/,
  /^(alpine|alpine-slim|alpine-perl|alpine-otel|perl|otel|bookworm|bookworm-perl|bookworm-otel)$/,
  /^1(\.([0-9]|[12][0-9])(\.[0-9]{1,2})?)?(-(alpine|bookworm|bullseye|buster|perl|otel)(-(slim|perl|otel))?)?$/,
];

/** The default catalog: common images and what they do. */
export const DEFAULT_CATALOG: readonly ImageEntry[] = [
  {
    repository: 'docker.io/library/nginx',
    tags: NGINX_TAGS,
    sizeMB: 72,
    entrypoint: ['/docker-entrypoint.sh'],
    cmd: ['nginx', '-g', 'daemon off;'],
    shell: 'sh',
    programs: { '/docker-entrypoint.sh': NGINX_ENTRYPOINT, nginx: NGINX, 'nginx-debug': NGINX },
    // the Debian-based image installs curl (no wget, no nslookup)
    commands: ['curl'],
    // the entrypoint execs nginx, whose master renames itself and forks its worker (user nginx, uid 101)
    processes: [{ command: 'nginx: master process nginx -g daemon off;' }, { user: '101', command: 'nginx: worker process' }],
    files: {
      ...DEBIAN_FILES,
      '/usr/share/nginx/html/index.html': NGINX_INDEX,
      '/usr/share/nginx/html/50x.html': '<!DOCTYPE html>\n<html>\n<head>\n<title>Error</title>\n</head>\n<body>\n<h1>An error occurred.</h1>\n</body>\n</html>\n',
      '/etc/nginx/conf.d/default.conf': 'server {\n    listen       80;\n    listen  [::]:80;\n    server_name  localhost;\n\n    location / {\n        root   /usr/share/nginx/html;\n        index  index.html index.htm;\n    }\n}\n',
    },
  },
  {
    // the nginx of the StatefulSet tutorial (registry.k8s.io/nginx-slim:0.21)
    repository: 'registry.k8s.io/nginx-slim',
    tags: [/^0\.\d{1,2}$/, 'latest'],
    sizeMB: 8,
    cmd: ['nginx', '-g', 'daemon off;'],
    shell: 'sh',
    programs: { nginx: NGINX },
    // the tutorial reads each replica's page with `kubectl exec web-0 -- curl http://localhost/`
    commands: ['curl'],
    processes: [{ command: 'nginx: master process nginx -g daemon off;' }, { user: 'www-data', command: 'nginx: worker process' }],
    files: { '/usr/share/nginx/html/index.html': NGINX_INDEX },
  },
  {
    repository: 'docker.io/library/redis',
    sizeMB: 45,
    entrypoint: ['docker-entrypoint.sh'],
    cmd: ['redis-server'],
    shell: 'sh',
    programs: { 'docker-entrypoint.sh': { ports: [], wrapper: { wraps: [] } }, 'redis-server': REDIS },
    files: DEBIAN_FILES,
  },
  { repository: 'docker.io/library/busybox', sizeMB: 2, cmd: ['sh'], shell: 'sh', flavor: 'busybox' },
  // the busybox the Kubernetes documentation's examples use (liveness probes, init containers)
  { repository: 'registry.k8s.io/busybox', sizeMB: 1, cmd: ['sh'], shell: 'sh', flavor: 'busybox' },
  { repository: 'docker.io/library/perl', sizeMB: 330, cmd: ['perl', '-de0'], shell: 'bash', programs: { perl: PERL }, files: DEBIAN_FILES },
  // Alpine with curl; its entrypoint script runs `curl "$@"`
  {
    repository: 'docker.io/curlimages/curl',
    sizeMB: 10,
    entrypoint: ['/entrypoint.sh'],
    cmd: ['curl'],
    shell: 'sh',
    flavor: 'busybox',
    commands: ['curl'],
    programs: { '/entrypoint.sh': { ports: [], wrapper: { wraps: [] } } },
    files: ALPINE_FILES,
  },
  { repository: 'docker.io/library/alpine', sizeMB: 4, cmd: ['/bin/sh'], shell: 'sh', flavor: 'busybox', files: ALPINE_FILES },
  { repository: 'docker.io/library/debian', sizeMB: 49, cmd: ['bash'], shell: 'bash', files: DEBIAN_FILES },
  { repository: 'docker.io/library/ubuntu', sizeMB: 29, cmd: ['/bin/bash'], shell: 'bash', files: { '/etc/os-release': 'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\n' } },
  {
    repository: 'docker.io/library/hello-world',
    sizeMB: 0.01,
    cmd: ['/hello'],
    shell: 'none',
    programs: {},
    files: {
      '/hello':
        '#!/bin/sh\necho\necho "Hello from Docker!"\necho "This message shows that your installation appears to be working correctly."\necho\n',
    },
  },
  { repository: 'docker.io/library/python', sizeMB: 370, cmd: ['python3'], shell: 'bash', programs: { python: runtime, python3: runtime, pip: runtime }, files: DEBIAN_FILES },
  { repository: 'docker.io/library/node', sizeMB: 390, entrypoint: ['docker-entrypoint.sh'], cmd: ['node'], shell: 'bash', programs: { 'docker-entrypoint.sh': { ports: [], wrapper: { wraps: [] } }, node: runtime, npm: runtime }, files: DEBIAN_FILES },
  { repository: 'docker.io/library/golang', sizeMB: 290, cmd: ['bash'], shell: 'bash', programs: { go: runtime }, files: DEBIAN_FILES },
  { repository: 'docker.io/library/httpd', sizeMB: 58, cmd: ['httpd-foreground'], shell: 'bash', programs: { 'httpd-foreground': { ports: [80], http: { 80: { status: 200, body: '<html><body><h1>It works!</h1></body></html>\n', server: 'Apache/2.4.62 (Unix)' } } } } },
  { repository: 'docker.io/library/memcached', sizeMB: 30, entrypoint: ['docker-entrypoint.sh'], cmd: ['memcached'], shell: 'sh', programs: { 'docker-entrypoint.sh': { ports: [], wrapper: { wraps: [] } }, memcached: server([11211]) } },
  {
    repository: 'docker.io/library/postgres',
    sizeMB: 150,
    entrypoint: ['docker-entrypoint.sh'],
    cmd: ['postgres'],
    shell: 'bash',
    programs: { 'docker-entrypoint.sh': { ports: [], wrapper: { wraps: [] } }, postgres: server([5432], ['PostgreSQL init process complete; ready for start up.']) },
  },
  { repository: 'docker.io/library/mysql', sizeMB: 170, entrypoint: ['docker-entrypoint.sh'], cmd: ['mysqld'], shell: 'bash', programs: { 'docker-entrypoint.sh': { ports: [], wrapper: { wraps: [] } }, mysqld: server([3306]) } },
  { repository: 'docker.io/library/mongo', sizeMB: 260, entrypoint: ['docker-entrypoint.sh'], cmd: ['mongod'], shell: 'bash', programs: { 'docker-entrypoint.sh': { ports: [], wrapper: { wraps: [] } }, mongod: server([27017]) } },
  { repository: 'docker.io/library/rabbitmq', sizeMB: 100, entrypoint: ['docker-entrypoint.sh'], cmd: ['rabbitmq-server'], shell: 'bash', programs: { 'docker-entrypoint.sh': { ports: [], wrapper: { wraps: [] } }, 'rabbitmq-server': server([5672]) } },
  // the HorizontalPodAutoscaler walkthrough's php-apache (php:5-apache and its CPU-burning index.php)
  {
    repository: 'registry.k8s.io/hpa-example',
    tags: ['latest'],
    sizeMB: 138,
    entrypoint: ['docker-php-entrypoint'],
    cmd: ['apache2-foreground'],
    shell: 'bash',
    programs: { 'docker-php-entrypoint': { ports: [], wrapper: { wraps: ['apache2-foreground'] } }, 'apache2-foreground': APACHE_PHP },
    processes: [{ command: 'apache2 -DFOREGROUND' }, { user: 'www-data', command: 'apache2 -DFOREGROUND' }],
    files: {
      '/etc/os-release': 'PRETTY_NAME="Debian GNU/Linux 9 (stretch)"\nNAME="Debian GNU/Linux"\nVERSION_ID="9"\nID=debian\n',
      '/var/www/html/index.php': '<?php\n  $x = 0.0001;\n  for ($i = 0; $i <= 1000000; $i++) {\n    $x += sqrt($x);\n  }\n  echo "OK!";\n?>\n',
    },
  },
  // the load generators of the resource tasks (memory and CPU requests and limits)
  { repository: 'docker.io/polinux/stress', sizeMB: 4, cmd: ['stress'], shell: 'sh', flavor: 'busybox', programs: { stress: { ports: [], demand: stressDemand } } },
  { repository: 'docker.io/vish/stress', sizeMB: 2, entrypoint: ['/stress'], cmd: ['-logtostderr'], shell: 'none', programs: { '/stress': { ports: [], demand: vishStressDemand } } },
  // kubeadm's add-ons (the `addons` option of createCluster, src/cluster/addons.ts): distroless, no shell
  { repository: 'registry.k8s.io/coredns/coredns', sizeMB: 18, entrypoint: ['/coredns'], shell: 'none', programs: { '/coredns': COREDNS } },
  { repository: 'registry.k8s.io/kube-proxy', sizeMB: 27, entrypoint: ['/usr/local/bin/kube-proxy'], shell: 'none', programs: { '/usr/local/bin/kube-proxy': KUBE_PROXY } },
  { repository: 'registry.k8s.io/pause', sizeMB: 0.3, tags: ['latest', '0.8.0', '1.0', '2.0', '3.0', '3.1', '3.2', '3.3', '3.4.1', '3.5', '3.6', '3.7', '3.8', '3.9', '3.10'], entrypoint: ['/pause'], shell: 'none', programs: { '/pause': { ports: [] } } },
];

/** What the registry says about an image. */
export type RegistryAnswer = { found: true; entry: ImageEntry | undefined } | { found: false; message: string };

function tagOf(full: string): { repository: string; tag: string | undefined } {
  const at = full.indexOf('@');
  if (at >= 0) return { repository: full.slice(0, at), tag: undefined };
  const colon = full.lastIndexOf(':');
  return { repository: full.slice(0, colon), tag: full.slice(colon + 1) };
}

/** The catalog entry of an image's repository, if the catalog has one (the user's entries first). */
export function catalogEntry(image: string, catalog: readonly ImageEntry[] = DEFAULT_CATALOG): ImageEntry | undefined {
  const { repository } = tagOf(normalizeImage(image));
  return catalog.find((e) => normalizeImage(e.repository).replace(/:latest$/, '') === repository);
}

/**
 * The simulated registry's answer to a pull of `image`: found (with its catalog entry, if any), or
 * not found with the message containerd gives the kubelet.
 */
export function lookupImage(image: string, catalog: readonly ImageEntry[] = DEFAULT_CATALOG): RegistryAnswer {
  const full = normalizeImage(image);
  const entry = catalogEntry(image, catalog);
  const { tag } = tagOf(full);
  if (!entry || tag === undefined) return { found: true, entry };
  const tags = entry.tags ?? DEFAULT_TAGS;
  if (tags.some((t) => (typeof t === 'string' ? t === tag : t.test(tag)))) return { found: true, entry };
  return {
    found: false,
    message: `rpc error: code = NotFound desc = failed to pull and unpack image "${full}": failed to resolve reference "${full}": ${full}: not found`,
  };
}

/** Problems with user catalog entries (empty when valid). */
export function catalogProblems(entries: unknown): string[] {
  if (!Array.isArray(entries)) return ['catalog must be a list of image entries'];
  const problems: string[] = [];
  const known = new Set(['repository', 'tags', 'sizeMB', 'entrypoint', 'cmd', 'shell', 'flavor', 'programs', 'files', 'commands']);
  entries.forEach((e: Record<string, unknown>, i) => {
    if (!e || typeof e !== 'object') return problems.push(`catalog[${i}] must be an object`);
    for (const k of Object.keys(e)) if (!known.has(k)) problems.push(`catalog[${i}]: unknown field "${k}" (known: ${[...known].join(', ')})`);
    if (typeof e.repository !== 'string' || !e.repository) problems.push(`catalog[${i}].repository must be a non-empty string`);
    if (typeof e.sizeMB !== 'number' || !(e.sizeMB >= 0)) problems.push(`catalog[${i}].sizeMB must be a non-negative number`);
    for (const k of ['entrypoint', 'cmd'] as const) if (e[k] !== undefined && !(Array.isArray(e[k]) && (e[k] as unknown[]).every((x) => typeof x === 'string'))) problems.push(`catalog[${i}].${k} must be a list of strings`);
    if (e.shell !== undefined && !['sh', 'bash', 'none'].includes(e.shell as string)) problems.push(`catalog[${i}].shell must be sh, bash or none`);
    if (e.commands !== undefined && !(Array.isArray(e.commands) && (e.commands as unknown[]).every((c) => c === 'curl'))) problems.push(`catalog[${i}].commands must list modelled commands (curl)`);
    return undefined;
  });
  return problems;
}

const withDefaultsCache = new WeakMap<readonly ImageEntry[], readonly ImageEntry[]>();

/** A user catalog followed by the default one (its entries win). */
export function withDefaults(extra: readonly ImageEntry[] | undefined): readonly ImageEntry[] {
  if (!extra || extra.length === 0) return DEFAULT_CATALOG;
  let all = withDefaultsCache.get(extra);
  if (!all) {
    all = [...extra, ...DEFAULT_CATALOG];
    withDefaultsCache.set(extra, all);
  }
  return all;
}

/** Pull time of a catalog image over a registry link: latency plus size over bandwidth. */
export function pullTimeMs(entry: ImageEntry, registry: { bandwidthMBps: number; latencyMs: number }): number {
  return Math.round(registry.latencyMs + (entry.sizeMB * 1000) / registry.bandwidthMBps);
}

/** What a container's program demands, when it runs a load generator of the catalog (its argv as the runtime composes it). */
export function containerDemand(container: Pick<Container, 'image' | 'command' | 'args'>, catalog?: readonly ImageEntry[]): Demand | undefined {
  const image = catalogEntry(container.image ?? '', withDefaults(catalog));
  if (!image?.programs) return undefined;
  const argv = [...(container.command ?? image.entrypoint ?? []), ...(container.args ?? (container.command ? [] : (image.cmd ?? [])))];
  // through the image's entrypoint scripts to the program they run (`docker-php-entrypoint apache2-foreground`)
  for (let rest = argv; rest.length > 0; rest = rest.slice(1)) {
    const first = rest[0]!;
    const program = image.programs[first] ?? image.programs[first.slice(first.lastIndexOf('/') + 1)];
    if (!program?.wrapper) return program?.demand?.(rest.slice(1));
  }
  return undefined;
}

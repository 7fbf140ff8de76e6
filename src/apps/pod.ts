import { randomBytes } from 'node:crypto';
import type { CatalogApp } from '../contract/index.js';
import { XPRA_SERVER_OPTIONS } from './xpra.js';

export const APPS_NAMESPACE = 'kubedesk-apps';
export const XPRA_PORT = 14500;
/** Where a warm pod waits for the word to start its app (see WARM_WAIT_SCRIPT). */
export const LAUNCH_TRIGGER_PORT = 14501;
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const LABEL_APP = 'kubedesk.io/app';
export const LABEL_SESSION = 'kubedesk.io/session';
/** Warm pods carry `kubedesk.io/pool=warm` until a launch takes them. */
export const LABEL_POOL = 'kubedesk.io/pool';
export const ANNOTATION_DISPLAY_MODE = 'kubedesk.io/display-mode';
export const ANNOTATION_DISPLAY_NAME = 'kubedesk.io/display-name';
/** Where a persistent home is mounted in the app's container. */
export const HOME_PATH = '/home/kubedesk';
/** Size asked for a new persistent home: enough for browser profiles and editor settings. */
export const HOME_SIZE = '1Gi';

/** The claim of an app's persistent home: one per app, shared by its sessions in turn. */
export function homeClaimName(app: string): string {
  return `kubedesk-home-${app}`.slice(0, 253);
}

/** The PersistentVolumeClaim of an app's home, made on its first launch (the default StorageClass provides it). */
export function buildHomeClaim(app: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: homeClaimName(app),
      namespace: APPS_NAMESPACE,
      labels: { [LABEL_MANAGED_BY]: 'kubedesk', [LABEL_APP]: app },
    },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: HOME_SIZE } } },
  };
}

/** The Secrets the display node publishes for x11 and audio apps (see display-secrets.ts). */
export const DISPLAY_XAUTH_SECRET = 'kubedesk-display-x11';
export const DISPLAY_AUDIO_SECRET = 'kubedesk-display-audio';

/**
 * The container's entry: a fixed script, never built from user input. It prepares the runtime
 * folder (xpra's sockets, the X and PulseAudio cookies from the Secrets' environment), then
 * replaces itself with the argument array that follows, word for word ("$@").
 */
export const LAUNCH_SCRIPT = [
  'set -eu',
  'umask 077',
  'runtime="$KUBEDESK_RUNTIME"',
  'mkdir -p "$runtime/xdg/xpra" "$runtime/xpra"',
  'export XDG_RUNTIME_DIR="$runtime"',
  // Debian's xpra config starts an Xsession in every new display; apps want none.
  'printf "start = /bin/true\\n" > "$runtime/xdg/xpra/xpra.conf"',
  'export XDG_CONFIG_DIRS="$runtime/xdg:${XDG_CONFIG_DIRS:-/etc/xdg}"',
  'if [ -n "${KUBEDESK_PULSE_COOKIE:-}" ]; then',
  '  printf %s "$KUBEDESK_PULSE_COOKIE" | base64 -d > "$runtime/pulse-cookie"',
  '  export PULSE_COOKIE="$runtime/pulse-cookie"',
  'fi',
  'if [ -n "${KUBEDESK_X11_COOKIE:-}" ]; then',
  '  export XAUTHORITY="$runtime/Xauthority"',
  '  xauth -f "$XAUTHORITY" add "$DISPLAY" MIT-MAGIC-COOKIE-1 "$KUBEDESK_X11_COOKIE"',
  'fi',
  'unset KUBEDESK_PULSE_COOKIE KUBEDESK_X11_COOKIE',
  'exec "$@"',
].join('\n');

/**
 * The first child of a warm pod's xpra server. A warm pod is started and already attached on the
 * display node, but shows nothing: its app has not run yet. The launch connects here with the
 * session's password and this script becomes the app (exec, same pid), so the window appears
 * through the attach that is already up: no pod start and no xpra client start on the way.
 * Wrong passwords are ignored; the port closes once the app runs.
 */
export const WARM_WAIT_SCRIPT = [
  'import hmac, os, socket, sys',
  'port, argv = int(sys.argv[1]), sys.argv[2:]',
  "token = os.environ.pop('KUBEDESK_TRIGGER_TOKEN', '').encode()",
  'server = socket.socket()',
  'server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)',
  "server.bind((os.environ['POD_IP'], port))",
  'server.listen(4)',
  'while True:',
  '    peer, _ = server.accept()',
  '    peer.settimeout(5)',
  '    try:',
  "        line = peer.makefile('rb').readline(4096).strip()",
  '    except OSError:',
  '        line = b""',
  '    if token and hmac.compare_digest(line, token):',
  "        peer.sendall(b'ok\\n')",
  '        peer.close()',
  '        server.close()',
  '        os.execvp(argv[0], argv)',
  '    peer.close()',
].join('\n');

/**
 * Quotes one argument for xpra's `--start-child`, which splits its value with Python's
 * `shlex.split` (POSIX rules, no shell): single quotes keep every character literal.
 */
export function shlexQuote(argument: string): string {
  return `'${argument.replaceAll("'", `'"'"'`)}'`;
}

/** A session id: the app's name and a random suffix, valid as a pod name. */
export function newSessionId(app: string): string {
  const suffix = randomBytes(4).toString('hex');
  return `${app
    .slice(0, 40)
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/-+$/, '')}-${suffix}`;
}

export interface DisplayTarget {
  /** The display node's address as app pods reach it. */
  address: string;
  /** X display number of the display node's screen (x11 mode). */
  displayNumber: number;
  /** PulseAudio TCP port on the display node (audio apps). */
  pulsePort: number;
}

export interface AppPodOptions {
  app: CatalogApp;
  session: string;
  /** A warm pod waits in the pool, unattached, until a launch takes it. */
  warm?: boolean;
  display: DisplayTarget;
}

type EnvVar = { name: string; value?: string; valueFrom?: unknown };

function fieldRef(name: string, fieldPath: string): EnvVar {
  return { name, valueFrom: { fieldRef: { fieldPath } } };
}

function secretRef(name: string, secret: string, key: string): EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: secret, key } } };
}

/** The per-session Secret: the xpra password, known only to this pod and the shell. */
export function buildSessionSecret(session: string, podUid: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: `${session}-auth`,
      namespace: APPS_NAMESPACE,
      labels: { [LABEL_MANAGED_BY]: 'kubedesk', [LABEL_SESSION]: session },
      // Deleted with its pod by the garbage collector.
      ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: session, uid: podUid, blockOwnerDeletion: false }],
    },
    type: 'Opaque',
    stringData: { password: randomBytes(24).toString('base64url') },
  };
}

/**
 * The pod of one session. In xpra mode the container runs an xpra server that starts the app's
 * command (as a literal argument array) and listens on the pod's IP for the display node's
 * `xpra attach`; in x11 mode the app draws straight onto the display node's X server.
 */
export function buildAppPod(options: AppPodOptions): Record<string, unknown> {
  const { app, session, display } = options;
  const env: EnvVar[] = [
    fieldRef('POD_IP', 'status.podIP'),
    fieldRef('POD_NAME', 'metadata.name'),
    // The session's own folder: sockets and cookies of two sessions on one node never meet.
    { name: 'KUBEDESK_RUNTIME', value: '/tmp/kubedesk-$(POD_NAME)' },
    ...(app.persistentHome ? [{ name: 'HOME', value: HOME_PATH }] : []),
    ...app.env.map((variable) => ({ name: variable.name, value: variable.value })),
  ];
  let command: string[];
  if (app.displayMode === 'xpra') {
    env.push(secretRef('XPRA_PASSWORD', `${session}-auth`, 'password'));
    const child = options.warm
      ? ['python3', '-c', WARM_WAIT_SCRIPT, String(LAUNCH_TRIGGER_PORT), ...app.command]
      : app.command;
    if (options.warm) {
      env.push(secretRef('KUBEDESK_TRIGGER_TOKEN', `${session}-auth`, 'password'));
    }
    command = [
      'xpra',
      'start',
      `--bind-tcp=$(POD_IP):${XPRA_PORT}`,
      '--tcp-auth=env',
      `--start-child=${child.map(shlexQuote).join(' ')}`,
      `--socket-dir=$(KUBEDESK_RUNTIME)/xpra`,
      `--socket-dirs=$(KUBEDESK_RUNTIME)/xpra`,
      ...XPRA_SERVER_OPTIONS,
    ];
  } else {
    env.push({ name: 'DISPLAY', value: `${display.address}:${display.displayNumber}` });
    env.push(secretRef('KUBEDESK_X11_COOKIE', DISPLAY_XAUTH_SECRET, 'cookie'));
    command = [...app.command];
  }
  if (app.audio) {
    env.push({ name: 'PULSE_SERVER', value: `tcp:${display.address}:${display.pulsePort}` });
    env.push(secretRef('KUBEDESK_PULSE_COOKIE', DISPLAY_AUDIO_SECRET, 'cookie'));
  }
  const labels: Record<string, string> = {
    [LABEL_MANAGED_BY]: 'kubedesk',
    'app.kubernetes.io/name': app.id,
    [LABEL_APP]: app.id,
  };
  if (options.warm) {
    labels[LABEL_POOL] = 'warm';
  } else {
    labels[LABEL_SESSION] = session;
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: session,
      namespace: APPS_NAMESPACE,
      labels,
      annotations: { [ANNOTATION_DISPLAY_MODE]: app.displayMode, [ANNOTATION_DISPLAY_NAME]: app.displayName },
    },
    spec: {
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 10,
      ...(app.nodeSelector ? { nodeSelector: app.nodeSelector } : {}),
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        fsGroup: 1000,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: [
        {
          name: 'app',
          image: app.image,
          command: ['sh', '-c', LAUNCH_SCRIPT, 'kubedesk-launch', ...command],
          env,
          ...(app.displayMode === 'xpra' ? { ports: [{ name: 'xpra', containerPort: XPRA_PORT }] } : {}),
          ...(app.resources ? { resources: app.resources } : {}),
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
          volumeMounts: [
            { name: 'tmp', mountPath: '/tmp' },
            ...(app.persistentHome ? [{ name: 'home', mountPath: HOME_PATH }] : []),
          ],
        },
      ],
      volumes: [
        { name: 'tmp', emptyDir: {} },
        ...(app.persistentHome ? [{ name: 'home', persistentVolumeClaim: { claimName: homeClaimName(app.id) } }] : []),
      ],
    },
  };
}

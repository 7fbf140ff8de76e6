import type { KubeConfig } from '@kubernetes/client-node';
import {
  KubedeskError,
  type AppSession,
  type AppWindow,
  type AppsApi,
  type Catalog,
  type CatalogApp,
  type Listener,
} from '../contract/index.js';
import { Informer, kubeRequest, KubeRequestError, type KubeNode, type KubeObject } from '../cluster/index.js';
import type { HealthBoard } from '../system/index.js';
import { Attachment } from './attach.js';
import { catalogFrom, DESKTOP_APPS_PATH, parseDesktopApp, type CatalogEntry } from './catalog.js';
import {
  APPS_NAMESPACE,
  buildAppPod,
  buildHomeClaim,
  buildSessionSecret,
  DISPLAY_AUDIO_SECRET,
  DISPLAY_XAUTH_SECRET,
  LABEL_MANAGED_BY,
  LAUNCH_TRIGGER_PORT,
  LABEL_POOL,
  LABEL_SESSION,
  newSessionId,
  XPRA_PORT,
  type DisplayTarget,
} from './pod.js';
import { describeSession, toAppPod, type AppPod } from './sessions.js';
import { triggerLaunch } from './trigger.js';
import { WindowTracker, type TrackedWindow } from './windows.js';

export { parseDesktopApp, catalogFrom } from './catalog.js';
export { buildAppPod, LAUNCH_SCRIPT, shlexQuote, APPS_NAMESPACE } from './pod.js';
export { WindowTracker } from './windows.js';
export { displaySecretsFromSession } from './display-secrets.js';

/** How often warm pools and idle sessions are looked at; both are slow things. */
export const HOUSEKEEPING_MS = 5_000;
/** PulseAudio's TCP port on the display node (module-native-protocol-tcp's default). */
export const DEFAULT_PULSE_PORT = 4713;
/** A taken warm pod that is still starting gets this long to begin listening for its launch. */
export const WARM_TRIGGER_TIMEOUT_MS = 60_000;
const WARM_TRIGGER_RETRY_MS = 200;
/** How long to wait for the cluster's kubeconfig before looking again. */
const CONFIG_WAIT_MS = 1_000;

export interface AppsOptions {
  /** The cluster capability's kubeconfig, once it has one. */
  config(): KubeConfig | undefined;
  health: HealthBoard;
  /** The node whose screen this shell shows. */
  nodeName: string;
  /** The display node's X server (":0"); without one, apps run but nothing attaches. */
  x11Display: string | null;
  pulsePort?: number;
  /**
   * What x11-mode and audio apps need to reach this display: the X server's MIT-MAGIC-COOKIE-1
   * (hex) and PulseAudio's cookie. Published as Secrets in kubedesk-apps for their pods.
   */
  displaySecrets?: { x11Cookie?: string; pulseCookie?: Buffer };
  /** How long an idle timeout's "minute" is: 60 s, shorter in tests. */
  idleMinuteMs?: number;
  /** How often pools and idle sessions are looked at (HOUSEKEEPING_MS). */
  housekeepingMs?: number;
  log?: (line: string) => void;
}

export interface Apps {
  api: AppsApi;
  /** The X windows of the display, for other capabilities (the screen preview). */
  windows(): TrackedWindow[];
  /** Detaches every session (the apps keep running) and stops watching. */
  dispose(): Promise<void>;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The `apps` capability: the DesktopApp catalog, sessions as pods in kubedesk-apps, one
 * `xpra attach` per session on this display, their windows, warm pools and idle stops.
 */
export function createApps(options: AppsOptions): Apps {
  const log = options.log ?? (() => undefined);
  let config: KubeConfig | undefined;
  let pods: Informer<AppPod> | undefined;
  let apps: Informer<CatalogEntry> | undefined;
  let events: Informer<{ pod: string; reason: string; at: string }> | undefined;
  let tracker: WindowTracker | undefined;
  let disposed = false;
  let configTimer: ReturnType<typeof setTimeout> | undefined;
  let housekeeping: ReturnType<typeof setInterval> | undefined;
  const attachments = new Map<string, Attachment>();
  const stopping = new Set<string>();
  const lastUsed = new Map<string, number>();
  const sessionListeners = new Set<Listener<AppSession[]>>();
  const catalogListeners = new Set<Listener<Catalog>>();
  let sessions: AppSession[] = [];
  let catalog: Catalog = { apps: [], problems: [] };
  let scheduled = false;

  function requireConfig(): KubeConfig {
    if (!config) {
      throw new KubedeskError('unavailable', 'not connected to a cluster yet', 'Unavailable');
    }
    return config;
  }

  function app(id: string): CatalogApp | undefined {
    return catalog.apps.find((entry) => entry.id === id);
  }

  function windowsOf(pod: AppPod): AppWindow[] {
    const pid = attachments.get(pod.name)?.pid;
    if (!tracker || pid === null || pid === undefined) {
      return [];
    }
    return tracker
      .windows()
      .filter((window) => window.clientPid === pid)
      .map(({ id, title, focused }) => ({ id, title, focused }));
  }

  function lastEventOf(pod: AppPod): string | null {
    let latest: { reason: string; at: string } | undefined;
    for (const event of events?.items.values() ?? []) {
      if (event.pod === pod.name && (!latest || event.at >= latest.at)) {
        latest = event;
      }
    }
    return latest?.reason ?? null;
  }

  /** Recomputes sessions and attachments; many changes in one tick become one pass. */
  function update(): void {
    if (scheduled || disposed) {
      return;
    }
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      reconcileAttachments();
      const next = [...(pods?.items.values() ?? [])]
        .filter((pod) => pod.session !== null)
        .map((pod) =>
          describeSession({
            pod,
            icon: app(pod.app)?.icon ?? null,
            lastEvent: lastEventOf(pod),
            attached: attachments.get(pod.name)?.pid !== null && attachments.has(pod.name),
            windows: windowsOf(pod),
            stopping: stopping.has(pod.name),
          }),
        )
        .sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id));
      for (const session of next) {
        if (session.windows.some((window) => window.focused) || !lastUsed.has(session.id)) {
          lastUsed.set(session.id, Date.now());
        }
      }
      if (!sameJson(next, sessions)) {
        sessions = next;
        for (const listener of [...sessionListeners]) {
          listener(sessions);
        }
      }
      endFinishedSessions();
    });
  }

  /** Attaches every running xpra session of this display; detaches the rest. */
  function reconcileAttachments(): void {
    if (!options.x11Display || !pods) {
      return;
    }
    const wanted = new Set<string>();
    for (const pod of pods.items.values()) {
      // Warm pods are attached too: their app has not started, so nothing shows until a launch.
      if (
        (pod.session !== null || pod.warm) &&
        pod.displayMode === 'xpra' &&
        pod.phase === 'Running' &&
        pod.ip !== null &&
        !pod.deleting &&
        !stopping.has(pod.name)
      ) {
        wanted.add(pod.name);
        if (!attachments.has(pod.name)) {
          void attach(pod);
        }
      }
    }
    for (const [name, attachment] of attachments) {
      if (!wanted.has(name)) {
        attachments.delete(name);
        void attachment.stop();
      }
    }
  }

  const attaching = new Set<string>();
  async function attach(pod: AppPod): Promise<void> {
    if (attaching.has(pod.name) || !options.x11Display) {
      return;
    }
    attaching.add(pod.name);
    try {
      const password = await sessionPassword(pod.name);
      // The pod may have gone while the secret was read.
      const current = pods?.items.get(`${APPS_NAMESPACE}/${pod.name}`);
      if (!current || current.deleting || stopping.has(pod.name) || attachments.has(pod.name) || disposed) {
        return;
      }
      attachments.set(
        pod.name,
        new Attachment(
          { session: pod.name, address: pod.ip!, port: XPRA_PORT, password },
          options.x11Display,
          update,
          log,
        ),
      );
      update();
    } catch (error) {
      log(`cannot attach ${pod.name}: ${(error as Error).message}`);
      // Tried again on the next change or housekeeping round.
    } finally {
      attaching.delete(pod.name);
    }
  }

  async function sessionPassword(name: string): Promise<string> {
    const secret = await kubeRequest<{ data?: { password?: string } }>(requireConfig(), {
      path: `/api/v1/namespaces/${APPS_NAMESPACE}/secrets/${name}-auth`,
    });
    const password = Buffer.from(secret.data?.password ?? '', 'base64').toString('utf8');
    if (!password) {
      throw new Error(`secret ${name}-auth has no password`);
    }
    return password;
  }

  /**
   * Tells a taken warm pod to start its app. The pod may still be starting (its waiter not yet
   * listening), so this tries again for a while.
   */
  async function startWarmApp(name: string): Promise<void> {
    const deadline = Date.now() + WARM_TRIGGER_TIMEOUT_MS;
    const password = await sessionPassword(name);
    while (!disposed) {
      const pod = pods?.items.get(`${APPS_NAMESPACE}/${name}`);
      if (!pod || pod.deleting) {
        return;
      }
      if (pod.ip && (await triggerLaunch(pod.ip, LAUNCH_TRIGGER_PORT, password))) {
        return;
      }
      if (Date.now() > deadline) {
        throw new Error(`the warm pod ${name} did not take the launch within ${WARM_TRIGGER_TIMEOUT_MS / 1000} s`);
      }
      await new Promise((resolve) => setTimeout(resolve, WARM_TRIGGER_RETRY_MS));
    }
  }

  /** A session whose app ended by itself (its last window closed) takes its pod along. */
  function endFinishedSessions(): void {
    for (const pod of pods?.items.values() ?? []) {
      if (pod.session !== null && pod.phase === 'Succeeded' && (pod.exitCode ?? 0) === 0 && !stopping.has(pod.name)) {
        void deletePod(pod.name);
      }
    }
  }

  async function deletePod(name: string): Promise<void> {
    stopping.add(name);
    update();
    try {
      await kubeRequest(requireConfig(), {
        method: 'DELETE',
        path: `/api/v1/namespaces/${APPS_NAMESPACE}/pods/${name}`,
      });
    } catch (error) {
      if (!(error instanceof KubeRequestError && error.status === 404)) {
        stopping.delete(name);
        update();
        throw error;
      }
    }
  }

  async function displayTarget(): Promise<DisplayTarget> {
    const node = await kubeRequest<KubeNode>(requireConfig(), {
      path: `/api/v1/nodes/${encodeURIComponent(options.nodeName)}`,
    });
    const address = node.status?.addresses?.find((entry) => entry.type === 'InternalIP')?.address ?? '127.0.0.1';
    const displayNumber = Number((options.x11Display ?? ':0').replace(/^.*:/, '').split('.')[0]);
    return { address, displayNumber, pulsePort: options.pulsePort ?? DEFAULT_PULSE_PORT };
  }

  /** Creates a session's pod and its Secret; a Secret that cannot be made takes the pod back. */
  async function createSessionPod(entry: CatalogApp, warm: boolean): Promise<AppPod> {
    const kube = requireConfig();
    const session = newSessionId(entry.id);
    if (entry.persistentHome) {
      await ensureHomeClaim(entry.id);
    }
    const pod = buildAppPod({ app: entry, session, warm, display: await displayTarget() });
    const created = await kubeRequest<KubeObject>(kube, {
      method: 'POST',
      path: `/api/v1/namespaces/${APPS_NAMESPACE}/pods`,
      body: pod,
    });
    try {
      await kubeRequest(kube, {
        method: 'POST',
        path: `/api/v1/namespaces/${APPS_NAMESPACE}/secrets`,
        body: buildSessionSecret(session, created.metadata.uid ?? ''),
      });
    } catch (error) {
      await kubeRequest(kube, {
        method: 'DELETE',
        path: `/api/v1/namespaces/${APPS_NAMESPACE}/pods/${session}`,
      }).catch(() => undefined);
      throw error;
    }
    return toAppPod(created);
  }

  /** Makes the app's home claim on its first launch; later launches find it and keep its files. */
  async function ensureHomeClaim(app: string): Promise<void> {
    try {
      await kubeRequest(requireConfig(), {
        method: 'POST',
        path: `/api/v1/namespaces/${APPS_NAMESPACE}/persistentvolumeclaims`,
        body: buildHomeClaim(app),
      });
    } catch (error) {
      if (!(error instanceof KubeRequestError && error.status === 409)) {
        throw error;
      }
    }
  }

  /** Takes a warm pod of the app from the pool, if one is there; a pod another launch took is skipped. */
  async function takeWarm(entry: CatalogApp): Promise<AppPod | undefined> {
    const candidates = [...(pods?.items.values() ?? [])]
      .filter(
        (pod) =>
          pod.warm && pod.app === entry.id && !pod.deleting && pod.phase !== 'Failed' && pod.phase !== 'Succeeded',
      )
      .sort((a, b) => Number(b.phase === 'Running') - Number(a.phase === 'Running'));
    for (const candidate of candidates) {
      try {
        const taken = await kubeRequest<KubeObject>(requireConfig(), {
          method: 'PATCH',
          path: `/api/v1/namespaces/${APPS_NAMESPACE}/pods/${candidate.name}`,
          // The resourceVersion makes the patch fail (409) if another launch changed the pod first.
          body: {
            metadata: {
              resourceVersion: candidate.resourceVersion,
              labels: { [LABEL_POOL]: null, [LABEL_SESSION]: candidate.name },
            },
          },
        });
        void startWarmApp(candidate.name).catch((error: unknown) => log((error as Error).message));
        return toAppPod(taken);
      } catch (error) {
        if (!(error instanceof KubeRequestError && error.status === 409)) {
          throw error;
        }
      }
    }
    return undefined;
  }

  const poolBusy = new Set<string>();
  /** Keeps each app's warm pool at its size: pods started and waiting, unattached. */
  async function fillPools(): Promise<void> {
    if (!config || !pods || pods.state !== 'live') {
      return;
    }
    for (const entry of catalog.apps) {
      if (entry.warmPoolSize === 0 || poolBusy.has(entry.id)) {
        continue;
      }
      const warm = [...pods.items.values()].filter(
        (pod) =>
          pod.warm && pod.app === entry.id && !pod.deleting && pod.phase !== 'Failed' && pod.phase !== 'Succeeded',
      ).length;
      if (warm >= entry.warmPoolSize) {
        continue;
      }
      poolBusy.add(entry.id);
      try {
        for (let count = warm; count < entry.warmPoolSize; count++) {
          await createSessionPod(entry, true);
        }
      } catch (error) {
        log(`cannot fill the warm pool of ${entry.id}: ${(error as Error).message}`);
      } finally {
        poolBusy.delete(entry.id);
      }
    }
  }

  /** Stops sessions nobody has used for longer than their app's idle timeout. */
  function stopIdle(): void {
    const now = Date.now();
    for (const session of sessions) {
      const timeout = app(session.app)?.idleTimeoutMinutes ?? 0;
      const used = lastUsed.get(session.id) ?? now;
      if (timeout > 0 && session.phase === 'running' && now - used > timeout * (options.idleMinuteMs ?? 60_000)) {
        log(`stopping ${session.id}: unused for ${timeout} minutes`);
        void stopSession(session.id).catch(() => undefined);
      }
    }
  }

  async function stopSession(id: string): Promise<void> {
    const attachment = attachments.get(id);
    attachments.delete(id);
    stopping.add(id);
    await attachment?.stop();
    await deletePod(id);
  }

  /** Puts the display's cookies where app pods find them; replaces what a former display left. */
  async function publishDisplaySecrets(): Promise<void> {
    const secrets: [string, Record<string, string>][] = [];
    if (options.displaySecrets?.x11Cookie) {
      secrets.push([DISPLAY_XAUTH_SECRET, { cookie: options.displaySecrets.x11Cookie }]);
    }
    if (options.displaySecrets?.pulseCookie) {
      secrets.push([DISPLAY_AUDIO_SECRET, { cookie: options.displaySecrets.pulseCookie.toString('base64') }]);
    }
    for (const [name, data] of secrets) {
      const body = {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, namespace: APPS_NAMESPACE, labels: { [LABEL_MANAGED_BY]: 'kubedesk' } },
        type: 'Opaque',
        stringData: data,
      };
      try {
        await kubeRequest(requireConfig(), {
          method: 'PUT',
          path: `/api/v1/namespaces/${APPS_NAMESPACE}/secrets/${name}`,
          body,
        });
      } catch (error) {
        if (!(error instanceof KubeRequestError && error.status === 404)) {
          throw error;
        }
        await kubeRequest(requireConfig(), {
          method: 'POST',
          path: `/api/v1/namespaces/${APPS_NAMESPACE}/secrets`,
          body,
        });
      }
    }
  }

  function publishCatalog(): void {
    const next = catalogFrom(apps?.items.values() ?? []);
    if (!sameJson(next, catalog)) {
      catalog = next;
      for (const listener of [...catalogListeners]) {
        listener(catalog);
      }
      void fillPools();
      update();
    }
  }

  function reportHealth(): void {
    if (!pods || !apps) {
      options.health.report('apps', 'starting', 'waiting for the cluster');
      return;
    }
    if (apps.state !== 'live') {
      options.health.report(
        'apps',
        'degraded',
        `catalog unavailable: ${apps.lastError || 'connecting'} (is the DesktopApp CRD installed?)`,
      );
    } else if (pods.state !== 'live') {
      options.health.report('apps', 'degraded', `app pods unavailable: ${pods.lastError || 'connecting'}`);
    } else if (options.x11Display && !tracker) {
      options.health.report('apps', 'degraded', `no X display ${options.x11Display}: apps run but cannot be shown`);
    } else {
      const problems = catalog.problems.length;
      options.health.report(
        'apps',
        problems > 0 ? 'degraded' : 'ok',
        `${catalog.apps.length} apps, ${sessions.length} running` +
          (problems > 0 ? `, ${problems} left out of the catalog` : ''),
      );
    }
  }

  async function openDisplay(): Promise<void> {
    if (!options.x11Display || disposed) {
      return;
    }
    try {
      tracker = await WindowTracker.open(options.x11Display);
      tracker.onChange(update);
      tracker.onClose((reason) => {
        log(`X display ${options.x11Display}: ${reason}`);
        tracker = undefined;
        reportHealth();
        setTimeout(() => void openDisplay(), CONFIG_WAIT_MS * 5).unref();
      });
      update();
    } catch (error) {
      log((error as Error).message);
      setTimeout(() => void openDisplay(), CONFIG_WAIT_MS * 5).unref();
    }
    reportHealth();
  }

  function start(): void {
    if (disposed) {
      return;
    }
    config = options.config();
    if (!config) {
      reportHealth();
      configTimer = setTimeout(start, CONFIG_WAIT_MS);
      return;
    }
    pods = new Informer<AppPod>({
      config,
      path: `/api/v1/namespaces/${APPS_NAMESPACE}/pods`,
      labelSelector: `${LABEL_MANAGED_BY}=kubedesk`,
      transform: toAppPod,
    });
    apps = new Informer<CatalogEntry>({ config, path: DESKTOP_APPS_PATH, transform: parseDesktopApp });
    events = new Informer({
      config,
      path: `/api/v1/namespaces/${APPS_NAMESPACE}/events`,
      fieldSelector: 'involvedObject.kind=Pod',
      transform: (object: KubeObject) => {
        const event = object as KubeObject & {
          involvedObject?: { name?: string };
          reason?: string;
          lastTimestamp?: string;
        };
        return {
          pod: event.involvedObject?.name ?? '',
          reason: event.reason ?? '',
          at: event.lastTimestamp ?? event.metadata.creationTimestamp ?? '',
        };
      },
    });
    pods.onChange(() => {
      update();
      void fillPools();
    });
    events.onChange(update);
    apps.onChange(publishCatalog);
    for (const informer of [pods, apps, events]) {
      informer.onState(reportHealth);
      informer.start();
    }
    housekeeping = setInterval(() => {
      void fillPools();
      stopIdle();
      update();
      reportHealth();
    }, options.housekeepingMs ?? HOUSEKEEPING_MS);
    void openDisplay();
    void publishDisplaySecrets().catch((error: unknown) =>
      log(`cannot publish the display's cookies for x11 and audio apps: ${(error as Error).message}`),
    );
    reportHealth();
  }

  start();

  const api: AppsApi = {
    async catalog() {
      return catalog;
    },
    onCatalog(listener) {
      catalogListeners.add(listener);
      queueMicrotask(() => catalogListeners.has(listener) && listener(catalog));
      return { dispose: () => catalogListeners.delete(listener) };
    },
    async launch(id) {
      const entry = app(id);
      if (!entry) {
        throw new KubedeskError('not-found', `no app "${id}" in the catalog`, 'NotFound');
      }
      const pod = (await takeWarm(entry)) ?? (await createSessionPod(entry, false));
      void fillPools();
      update();
      return describeSession({
        pod,
        icon: entry.icon ?? null,
        lastEvent: null,
        attached: false,
        windows: [],
        stopping: false,
      });
    },
    async retry(id) {
      const session = sessions.find((entry) => entry.id === id);
      if (!session) {
        throw new KubedeskError('not-found', `no session "${id}"`, 'NotFound');
      }
      await stopSession(id);
      return api.launch(session.app);
    },
    async focus(id, window) {
      const session = sessions.find((entry) => entry.id === id);
      if (!session) {
        throw new KubedeskError('not-found', `no session "${id}"`, 'NotFound');
      }
      const target = window ?? session.windows[0]?.id;
      if (target === undefined || !session.windows.some((entry) => entry.id === target)) {
        throw new KubedeskError('not-found', `session "${id}" has no window ${target ?? ''}`.trim(), 'NotFound');
      }
      await tracker?.activate(target);
      lastUsed.set(id, Date.now());
    },
    async stop(id) {
      if (!pods?.items.has(`${APPS_NAMESPACE}/${id}`)) {
        throw new KubedeskError('not-found', `no session "${id}"`, 'NotFound');
      }
      await stopSession(id);
    },
    async sessions() {
      return sessions;
    },
    onSessions(listener) {
      sessionListeners.add(listener);
      queueMicrotask(() => sessionListeners.has(listener) && listener(sessions));
      return { dispose: () => sessionListeners.delete(listener) };
    },
  };

  return {
    api,
    windows: () => tracker?.windows() ?? [],
    async dispose() {
      disposed = true;
      clearTimeout(configTimer);
      clearInterval(housekeeping);
      for (const informer of [pods, apps, events]) {
        informer?.stop();
      }
      await Promise.all([...attachments.values()].map((attachment) => attachment.stop()));
      attachments.clear();
      await tracker?.close();
    },
  };
}

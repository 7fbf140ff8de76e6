import { z } from 'zod';
import type { Disposable, Listener } from './events.js';
import { defineCapability } from './spec.js';

/** How an app's windows reach the screen. */
export const displayModes = ['xpra', 'x11'] as const;
export type DisplayMode = (typeof displayModes)[number];

const quantity = z
  .string()
  .regex(/^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/, 'must be a Kubernetes quantity like 500m or 1Gi');
const labelKey = z
  .string()
  .regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/, 'must be a label key');

/**
 * The spec of a `DesktopApp` (kubedesk.io/v1alpha1), as the catalog accepts it. The same rules
 * are in the CRD's OpenAPI schema (deploy/crds/desktopapp.yaml); this copy checks entries the
 * API server let through from older CRD versions, and imported .desktop files.
 */
export const desktopAppSpecSchema = z.strictObject({
  displayName: z.string().min(1).max(80),
  icon: z
    .string()
    .max(64 * 1024)
    .regex(
      // Freedesktop icon names ("utilities-terminal", "mini.xterm", "org.gnome.Maps") or an image.
      /^(data:image\/(png|svg\+xml);base64,[A-Za-z0-9+/=]+|[A-Za-z0-9][A-Za-z0-9._-]{0,127})$/,
      'must be an icon name or a PNG/SVG data URL',
    )
    .optional(),
  categories: z.array(z.string().min(1).max(40)).max(10).default([]),
  image: z.string().min(1).max(255),
  command: z.array(z.string().max(4096)).min(1, 'must name the program to run').max(64),
  env: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'),
        value: z.string().max(4096),
      }),
    )
    .max(64)
    .default([]),
  resources: z
    .strictObject({
      requests: z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() }).optional(),
      limits: z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() }).optional(),
    })
    .optional(),
  nodeSelector: z.record(labelKey, z.string().max(63)).optional(),
  displayMode: z.enum(displayModes).default('xpra'),
  audio: z.boolean().default(false),
  persistentHome: z.boolean().default(false),
  warmPoolSize: z.number().int().min(0).max(8).default(0),
  /** Minutes without a window in use before the session is stopped; 0 never stops it. */
  idleTimeoutMinutes: z
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 60)
    .default(0),
});

export type DesktopAppSpec = z.infer<typeof desktopAppSpecSchema>;

/** An app of the catalog: its `DesktopApp` name and its checked spec. */
export interface CatalogApp extends DesktopAppSpec {
  /** The DesktopApp's metadata.name. */
  id: string;
}

/** An entry that was left out, and why: the field and what is wrong with it. */
export interface CatalogProblem {
  id: string;
  message: string;
}

export interface Catalog {
  apps: CatalogApp[];
  problems: CatalogProblem[];
}

/**
 * Where a session is, in the words the taskbar shows: from the click to the window, then until
 * it is gone.
 */
export const sessionPhases = [
  'scheduling',
  'pulling',
  'starting',
  'attaching',
  'running',
  'stopping',
  'failed',
] as const;
export type SessionPhase = (typeof sessionPhases)[number];

export interface AppWindow {
  /** X window id on the display node's screen. */
  id: number;
  title: string;
  focused: boolean;
}

export interface AppSession {
  /** The pod's name; one pod per session. */
  id: string;
  app: string;
  displayName: string;
  icon: string | null;
  displayMode: DisplayMode;
  phase: SessionPhase;
  /** What is going on, in plain words: "pulling image firefox:128", "no node has 2 GiB free". */
  message: string;
  node: string | null;
  windows: AppWindow[];
  /** ISO time of the launch. */
  startedAt: string;
  /** Whether `retry` makes sense (a failed launch). */
  retryable: boolean;
}

export const appIdSchema = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a DesktopApp name');
export const sessionIdSchema = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a session id');

/** Apps from the catalog, launched as pods, their windows on the display node's screen. */
export interface AppsApi {
  catalog(): Promise<Catalog>;
  onCatalog(listener: Listener<Catalog>): Disposable;
  /** Starts a session (a pod, or a warm one from the pool) and resolves once it exists. */
  launch(app: string): Promise<AppSession>;
  /** Launches the same app again in place of a failed session. */
  retry(session: string): Promise<AppSession>;
  /** Raises and focuses a window of the session (its first when none is named). */
  focus(session: string, window?: number): Promise<void>;
  /** Stops the session: its windows close and its pod is deleted. */
  stop(session: string): Promise<void>;
  sessions(): Promise<AppSession[]>;
  /** Every session, whole, on subscribe and on every change. */
  onSessions(listener: Listener<AppSession[]>): Disposable;
}

export const appsSpec = defineCapability<AppsApi>()({
  methods: {
    catalog: z.tuple([]),
    launch: z.tuple([appIdSchema]),
    retry: z.tuple([sessionIdSchema]),
    focus: z.union([z.tuple([sessionIdSchema]), z.tuple([sessionIdSchema, z.number().int().nonnegative()])]),
    stop: z.tuple([sessionIdSchema]),
    sessions: z.tuple([]),
  },
  events: {
    onCatalog: z.tuple([]),
    onSessions: z.tuple([]),
  },
});

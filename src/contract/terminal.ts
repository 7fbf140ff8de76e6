import { z } from 'zod';
import type { Disposable, Listener } from './events.js';
import { defineCapability } from './spec.js';

/** A Kubernetes node name (RFC 1123 subdomain): it ends up in a field selector and a prompt. */
export const terminalNodeSchema = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a Kubernetes node name');

/** Names a tab across reconnects and host restarts: its history is kept under this id. */
export const terminalTabSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, "_" or "-"');

/** Keystrokes and pastes: 64 KiB per call, so one paste cannot fill the host's memory. */
export const TERMINAL_INPUT_MAX_CHARS = 64 * 1024;

const columns = z.number().int().min(2).max(1000);
const rows = z.number().int().min(1).max(500);

export const terminalOpenSchema = z.strictObject({
  tab: terminalTabSchema,
  node: terminalNodeSchema,
  columns,
  rows,
  /** Run the shell inside tmux on the node, so a reconnect returns to the very same shell. */
  persistent: z.boolean().default(false),
  /** Start in this directory (the tab's last one after a reload); the home directory if missing. */
  directory: z.string().max(4096).optional(),
});
export type TerminalOpenOptions = z.input<typeof terminalOpenSchema>;

export const terminalStates = ['connecting', 'open', 'reconnecting', 'closed'] as const;
export type TerminalState = (typeof terminalStates)[number];

/** A tab's session as the host sees it. */
export interface TerminalInfo {
  tab: string;
  node: string;
  /** `pty` on the display node itself, `exec` into the node agent's node shell elsewhere. */
  kind: 'pty' | 'exec';
  state: TerminalState;
  /** The working directory last reported by the shell (OSC 7), or null before its first prompt. */
  directory: string | null;
  persistent: boolean;
  /** Why the session is reconnecting or closed, for the tab to show. */
  reason: string | null;
  /** Commands in the tab's history (kept by the host, fed to every shell the tab opens). */
  historyLength: number;
}

/** One batch of output: at most every 16 ms or 200 KB. Acknowledge `bytes` once written. */
export interface TerminalOutput {
  data: string;
  bytes: number;
}

export const processSortKeys = ['cpu', 'memory', 'pid', 'node', 'command'] as const;
export type ProcessSortKey = (typeof processSortKeys)[number];

export const processQuerySchema = z.strictObject({
  /** Only these nodes; all Ready nodes by default. */
  nodes: z.array(terminalNodeSchema).max(5000).optional(),
  /** Case-insensitive substring of the command line or user. */
  filter: z.string().max(200).optional(),
  sort: z.enum(processSortKeys).default('cpu'),
  limit: z.number().int().min(1).max(100_000).optional(),
});
export type ProcessQuery = z.input<typeof processQuerySchema>;

/** One host process of one node, as `ps` saw it. */
export interface ProcessRow {
  node: string;
  pid: number;
  ppid: number;
  user: string;
  cpuPercent: number;
  memoryPercent: number;
  residentKiB: number;
  elapsedSeconds: number;
  state: string;
  command: string;
}

export interface ProcessList {
  processes: ProcessRow[];
  /** Nodes that did not answer, with the reason; the others' processes are still listed. */
  failures: { node: string; reason: string }[];
  /** Epoch ms. */
  at: number;
}

/**
 * Cluster-aware terminals: a tab is bound to a node (a local pty on the display node, an exec
 * into the node agent's node shell elsewhere) and may move to another node keeping its working
 * directory and history. Output is batched and must be acknowledged, so a flood cannot pile up.
 */
export interface TerminalApi {
  /** Opens the tab's session, or attaches to it when it still runs (after a reload or reconnect). */
  open(options: TerminalOpenOptions): Promise<TerminalInfo>;
  /** Moves the tab to another node: a new shell there, same directory, same history. */
  moveTo(tab: string, node: string): Promise<TerminalInfo>;
  write(tab: string, data: string): Promise<void>;
  resize(tab: string, columns: number, rows: number): Promise<void>;
  /** The renderer wrote this many bytes of output (xterm's write callback). */
  acknowledge(tab: string, bytes: number): Promise<void>;
  close(tab: string): Promise<void>;
  list(): Promise<TerminalInfo[]>;
  /** Output of the tab's session, in batches. */
  onOutput(tab: string, listener: Listener<TerminalOutput>): Disposable;
  /** The tab's state: connecting, open, reconnecting (with a reason), closed; directory changes. */
  onInfo(tab: string, listener: Listener<TerminalInfo>): Disposable;
  /** Host processes of every node, gathered in parallel through the node agents. */
  processes(query: ProcessQuery): Promise<ProcessList>;
  /** Sends SIGTERM (or SIGKILL) to a host process; refused unless RBAC allows exec there. */
  kill(node: string, pid: number, signal: 'TERM' | 'KILL'): Promise<void>;
}

export const terminalSpec = defineCapability<TerminalApi>()({
  methods: {
    open: z.tuple([terminalOpenSchema]),
    moveTo: z.tuple([terminalTabSchema, terminalNodeSchema]),
    write: z.tuple([terminalTabSchema, z.string().max(TERMINAL_INPUT_MAX_CHARS)]),
    resize: z.tuple([terminalTabSchema, columns, rows]),
    acknowledge: z.tuple([
      terminalTabSchema,
      z
        .number()
        .int()
        .min(0)
        .max(1 << 30),
    ]),
    close: z.tuple([terminalTabSchema]),
    list: z.tuple([]),
    processes: z.tuple([processQuerySchema]),
    kill: z.tuple([terminalNodeSchema, z.number().int().min(1).max(4_194_304), z.enum(['TERM', 'KILL'])]),
  },
  events: {
    onOutput: z.tuple([terminalTabSchema]),
    onInfo: z.tuple([terminalTabSchema]),
  },
});

import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { describeIssues } from '../rpc/index.js';

/** A kubeconfig that cannot be used, with the file and the field that are wrong. */
export class KubeconfigError extends Error {
  override readonly name = 'KubeconfigError';
  constructor(
    readonly source: string,
    readonly detail: string,
  ) {
    super(`kubeconfig ${source}: ${detail}`);
  }
}

const name = z.string().min(1, 'must not be empty');

const kubeconfigSchema = z.object({
  clusters: z
    .array(
      z.object({
        name,
        cluster: z.object({
          server: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
          'certificate-authority': z.string().optional(),
          'certificate-authority-data': z.string().optional(),
          'insecure-skip-tls-verify': z.boolean().optional(),
        }),
      }),
    )
    .min(1, 'must list at least one cluster'),
  users: z
    .array(z.object({ name, user: z.record(z.string(), z.unknown()).nullable() }))
    .min(1, 'must list at least one user'),
  contexts: z
    .array(
      z.object({
        name,
        context: z.object({ cluster: z.string().min(1), user: z.string().min(1), namespace: z.string().optional() }),
      }),
    )
    .min(1, 'must list at least one context'),
  'current-context': z.string().min(1, 'must name a context'),
});

type KubeconfigDocument = z.infer<typeof kubeconfigSchema>;

/** Checks the references between sections, which a schema of each section alone cannot. */
function checkReferences(document: KubeconfigDocument, source: string, context?: string): void {
  const wanted = context ?? document['current-context'];
  const index = document.contexts.findIndex((entry) => entry.name === wanted);
  if (index < 0) {
    const field = context ? 'context' : 'current-context';
    throw new KubeconfigError(source, `${field}: names context "${wanted}", which is not in contexts`);
  }
  const chosen = document.contexts[index]!.context;
  if (!document.clusters.some((entry) => entry.name === chosen.cluster)) {
    throw new KubeconfigError(
      source,
      `contexts[${index}].context.cluster: names cluster "${chosen.cluster}", which is not in clusters`,
    );
  }
  if (!document.users.some((entry) => entry.name === chosen.user)) {
    throw new KubeconfigError(
      source,
      `contexts[${index}].context.user: names user "${chosen.user}", which is not in users`,
    );
  }
}

/** Parses and checks kubeconfig text; `source` names it in errors. */
export function parseKubeconfig(text: string, source: string, context?: string): KubeConfig {
  let data: unknown;
  try {
    data = parseYaml(text, { prettyErrors: true });
  } catch (error) {
    const detail = error instanceof YAMLParseError ? error.message.split('\n')[0]! : String(error);
    throw new KubeconfigError(source, `not YAML: ${detail}`);
  }
  if (data === null || typeof data !== 'object') {
    throw new KubeconfigError(source, 'is empty or not a YAML mapping');
  }
  const parsed = kubeconfigSchema.safeParse(data);
  if (!parsed.success) {
    throw new KubeconfigError(source, describeIssues(parsed.error));
  }
  checkReferences(parsed.data, source, context);
  const config = new KubeConfig();
  try {
    config.loadFromString(text);
  } catch (error) {
    throw new KubeconfigError(source, (error as Error).message);
  }
  if (context) {
    config.setCurrentContext(context);
  }
  return config;
}

export interface LoadedKubeconfig {
  config: KubeConfig;
  /** Where it came from: a file path, or "in-cluster". */
  source: string;
}

export interface KubeconfigOptions {
  /** An explicit file, which wins over everything else. */
  path?: string;
  context?: string;
  env?: NodeJS.ProcessEnv;
  home?: string;
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * Finds the kubeconfig like kubectl does: an explicit path, else the first file of KUBECONFIG,
 * else ~/.kube/config, else the in-cluster service account (the shell and agent DaemonSets).
 */
export function loadKubeconfig(options: KubeconfigOptions = {}): LoadedKubeconfig {
  const env = options.env ?? process.env;
  const fromEnv = (env.KUBECONFIG ?? '').split(delimiter).find((entry) => entry !== '');
  const defaultFile = join(options.home ?? homedir(), '.kube', 'config');
  const path = options.path ?? fromEnv ?? (existsSync(defaultFile) ? defaultFile : undefined);
  if (path === undefined) {
    if (env.KUBERNETES_SERVICE_HOST && existsSync(SERVICE_ACCOUNT_TOKEN)) {
      const config = new KubeConfig();
      config.loadFromCluster();
      return { config, source: 'in-cluster' };
    }
    throw new KubeconfigError(
      defaultFile,
      'not found, KUBECONFIG is not set and this is not a pod: point KUBECONFIG at your cluster (for the local cluster: npm run cluster:up)',
    );
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new KubeconfigError(path, code === 'ENOENT' ? 'file not found' : `cannot be read (${code ?? String(error)})`);
  }
  return { config: parseKubeconfig(text, path, options.context), source: path };
}

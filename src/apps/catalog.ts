import { desktopAppSpecSchema, type Catalog, type CatalogApp, type CatalogProblem } from '../contract/index.js';
import type { KubeObject } from '../cluster/index.js';
import { describeIssues } from '../rpc/index.js';

export const DESKTOP_APPS_PATH = '/apis/kubedesk.io/v1alpha1/desktopapps';

export type CatalogEntry = { ok: true; app: CatalogApp } | { ok: false; problem: CatalogProblem };

/**
 * Checks one DesktopApp. A bad entry becomes a problem that names the field; it never stops the
 * other entries from loading.
 */
export function parseDesktopApp(object: KubeObject & { spec?: unknown }): CatalogEntry {
  const id = object.metadata.name;
  const parsed = desktopAppSpecSchema.safeParse(object.spec);
  if (!parsed.success) {
    return { ok: false, problem: { id, message: `left out: ${describeIssues(parsed.error, 'spec')}` } };
  }
  return { ok: true, app: { id, ...parsed.data } };
}

/** The catalog from the checked entries, apps sorted by display name. */
export function catalogFrom(entries: Iterable<CatalogEntry>): Catalog {
  const apps: CatalogApp[] = [];
  const problems: CatalogProblem[] = [];
  for (const entry of entries) {
    if (entry.ok) {
      apps.push(entry.app);
    } else {
      problems.push(entry.problem);
    }
  }
  apps.sort((a, b) => a.displayName.localeCompare(b.displayName));
  problems.sort((a, b) => a.id.localeCompare(b.id));
  return { apps, problems };
}

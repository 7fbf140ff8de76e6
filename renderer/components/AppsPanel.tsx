import { LayoutGrid, TriangleAlert } from 'lucide-react';
import { useShallow } from 'zustand/react/shallow';
import { api } from '../connection';
import { useStore } from '../store/index';
import { AppIcon } from './AppIcon';

/** The app menu: every app of the catalog as a big tile, and the entries that were left out. */
export function AppsPanel() {
  const hasApps = useStore((state) => state.info?.capabilities.includes('apps') ?? false);
  const apps = useStore(useShallow((state) => state.catalog.apps));
  const problems = useStore(useShallow((state) => state.catalog.problems));
  const launchError = useStore((state) => state.launchError);
  const setLaunchError = useStore((state) => state.setLaunchError);
  const closePanel = useStore((state) => state.closePanel);

  function launch(id: string): void {
    setLaunchError(null);
    api.apps
      .launch(id)
      .then(() => closePanel())
      .catch((error: Error) => setLaunchError(error.message));
  }

  return (
    <section className="panel apps-panel" aria-label="apps panel">
      <header>
        <h2>Apps</h2>
        <p className="panel-subtitle">Each app runs in its own pod, on whichever Pi has room.</p>
      </header>
      {launchError ? (
        <div className="cluster-error" role="alert">
          {launchError}
        </div>
      ) : null}
      {apps.length === 0 ? (
        <div className="panel-empty">
          <LayoutGrid size={40} />
          <p>
            {hasApps
              ? 'No apps in the catalog: add DesktopApps (kubectl apply -k deploy/apps).'
              : 'This host has no app catalog.'}
          </p>
        </div>
      ) : (
        <div className="app-grid">
          {apps.map((app) => (
            <button
              type="button"
              key={app.id}
              className="app-tile"
              data-app={app.id}
              title={`${app.displayName} · ${app.image}`}
              onMouseDown={(event) => event.preventDefault()}
              onClick={() => launch(app.id)}
            >
              <AppIcon icon={app.icon} size={40} />
              <span>{app.displayName}</span>
            </button>
          ))}
        </div>
      )}
      {problems.length > 0 ? (
        <ul className="catalog-problems" aria-label="apps left out">
          {problems.map((problem) => (
            <li key={problem.id} data-problem={problem.id}>
              <TriangleAlert size={16} />
              <strong>{problem.id}</strong> {problem.message}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

import { memo } from 'react';
import { LoaderCircle, RotateCcw, TriangleAlert, X } from 'lucide-react';
import type { AppSession } from '../../src/contract/index';
import { api } from '../connection';
import { useStore } from '../store/index';
import { AppIcon } from './AppIcon';

const PHASE_WORDS: Record<AppSession['phase'], string> = {
  scheduling: 'scheduling',
  pulling: 'pulling image',
  starting: 'starting',
  attaching: 'attaching',
  running: '',
  stopping: 'closing',
  failed: 'failed',
};

const RunningApp = memo(function RunningApp({ session }: { session: AppSession }) {
  const askStop = useStore((state) => state.askStop);
  const busy = session.phase !== 'running' && session.phase !== 'failed';
  const focused = session.windows.some((window) => window.focused);
  return (
    <div
      className={`running-app phase-${session.phase}${focused ? ' focused' : ''}`}
      data-session={session.id}
      data-phase={session.phase}
      title={`${session.displayName}: ${session.message}`}
    >
      <button
        type="button"
        className="running-app-main"
        onMouseDown={(event) => event.preventDefault()}
        onClick={() => {
          if (session.windows.length > 0) {
            void api.apps.focus(session.id).catch(() => undefined);
          }
        }}
      >
        {busy ? (
          <LoaderCircle size={20} className="spin" />
        ) : session.phase === 'failed' ? (
          <TriangleAlert size={20} />
        ) : (
          <AppIcon icon={session.icon} size={22} />
        )}
        <span className="running-app-name">{session.displayName}</span>
        {PHASE_WORDS[session.phase] ? <span className="running-app-phase">{PHASE_WORDS[session.phase]}</span> : null}
      </button>
      {session.retryable ? (
        <button
          type="button"
          className="running-app-action"
          aria-label={`retry ${session.displayName}`}
          title={`${session.message} — try again`}
          onMouseDown={(event) => event.preventDefault()}
          onClick={() => void api.apps.retry(session.id).catch(() => undefined)}
        >
          <RotateCcw size={16} />
        </button>
      ) : null}
      <button
        type="button"
        className="running-app-action"
        aria-label={`close ${session.displayName}`}
        onMouseDown={(event) => event.preventDefault()}
        onClick={() => askStop(session.id)}
      >
        <X size={16} />
      </button>
    </div>
  );
});

/** Close asks first: the app's unsaved work goes with its pod. */
export function StopDialog() {
  const id = useStore((state) => state.confirmingStop);
  const session = useStore((state) => state.sessions.find((entry) => entry.id === id));
  const askStop = useStore((state) => state.askStop);
  if (!id || !session) {
    return null;
  }
  return (
    <div className="dialog-backdrop" role="presentation">
      <div className="dialog" role="alertdialog" aria-label={`close ${session.displayName}?`}>
        <h3>Close {session.displayName}?</h3>
        <p>
          It runs in its own pod{session.node ? ` on ${session.node}` : ''}. Closing stops the app and deletes the pod;
          anything not saved is lost.
        </p>
        <div className="dialog-buttons">
          <button type="button" className="dialog-button" onClick={() => askStop(null)}>
            Keep running
          </button>
          <button
            type="button"
            className="dialog-button danger"
            onClick={() => {
              askStop(null);
              void api.apps.stop(session.id).catch(() => undefined);
            }}
          >
            Close app
          </button>
        </div>
      </div>
    </div>
  );
}

/** The taskbar's middle: one entry per session, with its progress from click to window. */
export function RunningApps() {
  const sessions = useStore((state) => state.sessions);
  const hasApps = useStore((state) => state.info?.capabilities.includes('apps') ?? false);
  return (
    <div className="running-apps" aria-label="running apps">
      {sessions.length === 0 ? (
        <span className="running-apps-empty">{hasApps ? 'No apps running' : ''}</span>
      ) : (
        sessions.map((session) => <RunningApp key={session.id} session={session} />)
      )}
    </div>
  );
}

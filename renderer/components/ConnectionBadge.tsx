import { useEffect, useState } from 'react';
import { PlugZap, RefreshCw } from 'lucide-react';
import { useStore } from '../store/index';

function secondsSince(time: number): number {
  return Math.max(0, Math.round((Date.now() - time) / 1000));
}

/** Shown only when the host is away: a desktop panel says nothing while all is well. */
export function ConnectionBadge() {
  const connection = useStore((state) => state.connection);
  const since = useStore((state) => state.connectionSince);
  const attempt = useStore((state) => state.reconnectAttempt);
  const [, redraw] = useState(0);
  useEffect(() => {
    if (connection === 'live') {
      return;
    }
    const timer = window.setInterval(() => redraw((count) => count + 1), 1000);
    return () => window.clearInterval(timer);
  }, [connection]);

  if (connection === 'live') {
    return null;
  }
  const label =
    connection === 'connecting' ? 'Connecting…' : `Reconnecting… ${secondsSince(since)} s (attempt ${attempt})`;
  return (
    <div className={`connection-badge ${connection}`} role="status" data-connection={connection}>
      {connection === 'connecting' ? <PlugZap size={18} /> : <RefreshCw size={18} className="spin" />}
      <span>{label}</span>
    </div>
  );
}

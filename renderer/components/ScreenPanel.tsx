import { useEffect, useState } from 'react';
import { MonitorPlay } from 'lucide-react';
import type { ScreenFrame } from '../../src/contract/index';
import { api } from '../connection';
import { useStore } from '../store/index';

/** One frame a second: enough to see what the HDMI screen shows, light on a Pi and on Wi-Fi. */
const PREVIEW_INTERVAL_MS = 1_000;

/**
 * What the display node's HDMI screen shows now, for a remote user or a headless demo. Only
 * subscribed while open: a closed panel costs the host nothing.
 */
export function ScreenPanel() {
  const node = useStore((state) => state.info?.nodeName ?? '');
  const [frame, setFrame] = useState<ScreenFrame | null>(null);
  useEffect(() => {
    const subscription = api.screen.onPreview({ intervalMs: PREVIEW_INTERVAL_MS, maxWidth: 960 }, setFrame);
    return () => subscription.dispose();
  }, []);
  return (
    <section className="panel screen-panel" aria-label="screen preview">
      <header className="cluster-header">
        <MonitorPlay size={26} />
        <div>
          <h2>Screen</h2>
          <p className="panel-subtitle">
            What the HDMI screen of {node} shows
            {frame ? ` · ${frame.screenWidth}×${frame.screenHeight} · ${new Date(frame.at).toLocaleTimeString()}` : ''}
          </p>
        </div>
      </header>
      {frame ? (
        <img
          className="screen-preview"
          src={frame.image}
          width={frame.width}
          height={frame.height}
          alt={`the screen of ${node}`}
          data-frame-at={frame.at}
        />
      ) : (
        <div className="panel-empty">Waiting for the first picture…</div>
      )}
    </section>
  );
}

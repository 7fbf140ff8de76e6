import { Smartphone, X } from 'lucide-react';
import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { KubedeskError } from '../../src/contract/index';
import { api } from '../connection';
import { useStore } from '../store/index';
import { QrCode } from './QrCode';

function secondsLeft(expiresAt: string, now: number): number {
  return Math.max(0, Math.ceil((Date.parse(expiresAt) - now) / 1000));
}

/**
 * Pairing a phone as a keyboard: a code (and its QR code) while this view is open, a new one
 * when it expires, and the paired devices with a way to revoke each.
 */
export function PairingView() {
  const code = useStore((state) => state.pairingCode);
  const setCode = useStore((state) => state.setPairingCode);
  const devices = useStore(useShallow((state) => state.pairedDevices));
  const [now, setNow] = useState(() => Date.now());
  const [error, setError] = useState<string | null>(null);
  const deviceCount = devices.length;

  // A fresh code on opening, after every pairing (a code pairs one device) and when it expires.
  const expired = code !== null && secondsLeft(code.expiresAt, now) === 0;
  useEffect(() => {
    let current = true;
    api.pairing
      .code()
      .then((next) => current && setCode(next))
      .catch(
        (failure: unknown) => current && setError(failure instanceof KubedeskError ? failure.message : String(failure)),
      );
    return () => {
      current = false;
    };
  }, [expired, deviceCount, setCode]);
  useEffect(() => () => setCode(null), [setCode]);
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, []);

  return (
    <section className="pairing" aria-label="pair a phone">
      <div className="pairing-code">
        {code ? (
          <>
            {code.url ? <QrCode text={code.url} size={180} /> : null}
            <div>
              <p>
                On the phone, open {code.url ? <code>{code.url.replace(/#.*/, '')}</code> : 'the keyboard page'} and
                type:
              </p>
              <p className="pairing-digits" data-code={code.code}>
                {code.code}
              </p>
              <p className="panel-subtitle">valid for {secondsLeft(code.expiresAt, now)} s · one device per code</p>
            </div>
          </>
        ) : (
          <p>{error ?? 'Asking the host for a code…'}</p>
        )}
      </div>
      <h3>Paired devices</h3>
      {devices.length === 0 ? (
        <p className="panel-subtitle">No device is paired.</p>
      ) : (
        <ul className="paired-devices">
          {devices.map((device) => (
            <li key={device.id} data-device={device.id} className={device.connected ? 'connected' : ''}>
              <Smartphone size={20} />
              <span className="paired-device-name">{device.name}</span>
              <span className="panel-subtitle">
                {device.connected ? 'connected' : 'not connected'} · until{' '}
                {new Date(device.expiresAt).toLocaleDateString()}
              </span>
              <button
                type="button"
                className="revoke"
                aria-label={`revoke ${device.name}`}
                onMouseDown={(event) => event.preventDefault()}
                onClick={() => void api.pairing.revoke(device.id).catch(() => undefined)}
              >
                <X size={16} /> Revoke
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

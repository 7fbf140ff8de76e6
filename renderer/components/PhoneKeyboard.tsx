import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { DeviceInfo } from '../../src/contract/index';
import { connect, disconnect } from '../connection';
import { sendText } from '../keyboard/send';
import { useStore } from '../store/index';
import { Keyboard } from './Keyboard';

type Pairing =
  { kind: 'checking' } | { kind: 'unpaired'; message: string | null } | { kind: 'paired'; device: DeviceInfo | null };

/** The code from the QR code's address: `/keyboard#code=123456`. */
function codeFromAddress(): string {
  return /code=(\d{6})/.exec(window.location.hash)?.[1] ?? '';
}

async function pairedDevice(): Promise<DeviceInfo | null> {
  const response = await fetch('keyboard/device', { credentials: 'same-origin' });
  return response.ok ? ((await response.json()) as DeviceInfo) : null;
}

/** Whether the host lets this page in without pairing (a loopback host without a token). */
function socketOpens(): Promise<boolean> {
  return new Promise((resolve) => {
    const url = new URL('rpc', window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(url.toString());
    socket.onopen = () => {
      socket.close();
      resolve(true);
    };
    socket.onclose = () => resolve(false);
  });
}

function PairForm({ message, onPaired }: { message: string | null; onPaired: (device: DeviceInfo) => void }) {
  const [code, setCode] = useState(codeFromAddress);
  const [name, setName] = useState('Phone');
  const [error, setError] = useState<string | null>(message);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    setBusy(true);
    try {
      const response = await fetch('keyboard/pair', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ code, name }),
      });
      const body = (await response.json()) as DeviceInfo | { error: { message: string } };
      if (response.ok && 'id' in body) {
        onPaired(body);
      } else {
        setError('error' in body ? body.error.message : `pairing failed (HTTP ${response.status})`);
      }
    } catch (failure) {
      setError(`cannot reach the desktop: ${(failure as Error).message}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="phone-pair" aria-label="pair this device" onSubmit={(event) => void submit(event)}>
      <h1>Pair with the desktop</h1>
      <p>Open “Pair a phone” in the desktop’s keyboard and type the code it shows.</p>
      <label>
        Code
        <input
          name="code"
          inputMode="numeric"
          autoComplete="one-time-code"
          pattern="\d{6}"
          maxLength={6}
          required
          value={code}
          onChange={(event) => setCode(event.target.value.replace(/\D/g, ''))}
        />
      </label>
      <label>
        This device’s name
        <input name="name" maxLength={64} required value={name} onChange={(event) => setName(event.target.value)} />
      </label>
      <button type="submit" disabled={busy || code.length !== 6}>
        Pair
      </button>
      {error ? (
        <p className="phone-error" role="alert">
          {error}
        </p>
      ) : null}
    </form>
  );
}

/** A text box for whole strings: typed on the desktop at once, then cleared. */
function TextSender() {
  const [text, setText] = useState('');
  const input = useRef<HTMLTextAreaElement>(null);
  async function send(event: FormEvent): Promise<void> {
    event.preventDefault();
    if (text !== '' && (await sendText(text))) {
      setText('');
    }
  }
  return (
    <form className="phone-text" aria-label="type text" onSubmit={(event) => void send(event)}>
      <textarea
        ref={input}
        name="text"
        rows={2}
        maxLength={4096}
        placeholder="Text to type on the desktop"
        value={text}
        onChange={(event) => setText(event.target.value)}
      />
      <button type="submit" disabled={text === ''}>
        Type it
      </button>
    </form>
  );
}

/** `/keyboard`: a phone as the desktop's keyboard, once paired. */
export function PhoneKeyboard() {
  const [pairing, setPairing] = useState<Pairing>({ kind: 'checking' });
  const connection = useStore((state) => state.connection);
  const started = useRef(false);

  function start(device: DeviceInfo | null): void {
    setPairing({ kind: 'paired', device });
    if (!started.current) {
      started.current = true;
      connect({
        mode: 'keyboard',
        onRefused: () => {
          // Refused: the pairing was revoked or expired (or the host went away: then it stays paired).
          void pairedDevice().then((still) => {
            if (still === null) {
              started.current = false;
              disconnect();
              setPairing({ kind: 'unpaired', message: 'This device is no longer paired: pair it again.' });
            }
          });
        },
      });
    }
  }

  useEffect(() => {
    void (async () => {
      const device = await pairedDevice().catch(() => null);
      if (device) {
        start(device);
      } else if (await socketOpens()) {
        start(null);
      } else {
        setPairing({ kind: 'unpaired', message: null });
      }
    })();
    // Runs once per page: `start` only reads refs and setters.
  }, []);

  if (pairing.kind === 'checking') {
    return <main className="phone">Connecting…</main>;
  }
  if (pairing.kind === 'unpaired') {
    return (
      <main className="phone">
        <PairForm message={pairing.message} onPaired={start} />
      </main>
    );
  }
  return (
    <main className="phone" data-connection={connection}>
      <header className="phone-header">
        <span>{pairing.device ? `Keyboard: ${pairing.device.name}` : 'Keyboard'}</span>
        <span className={`phone-connection ${connection}`}>{connection === 'live' ? 'connected' : 'connecting…'}</span>
      </header>
      <TextSender />
      <Keyboard />
    </main>
  );
}

import { Smartphone } from 'lucide-react';
import { useState } from 'react';
import { layoutNames, LAYOUT_LABELS } from '../keyboard/layouts';
import { useStore } from '../store/index';
import { Keyboard } from './Keyboard';
import { PairingView } from './PairingView';

/** The keyboard as a panel above the taskbar (the web host); Electron shows it in its own window. */
export function KeyboardPanel() {
  const layout = useStore((state) => state.keyboardLayout);
  const setLayout = useStore((state) => state.setKeyboardLayout);
  const [pairing, setPairing] = useState(false);
  return (
    <div className="keyboard-panel" aria-label="keyboard panel" onMouseDown={(event) => event.preventDefault()}>
      <header className="keyboard-panel-header">
        <div className="keyboard-layouts" role="radiogroup" aria-label="keyboard layout">
          {layoutNames.map((name) => (
            <button
              key={name}
              type="button"
              tabIndex={-1}
              role="radio"
              aria-checked={name === layout}
              title={LAYOUT_LABELS[name]}
              className={name === layout ? 'active' : ''}
              onClick={() => setLayout(name)}
            >
              {name.toUpperCase()}
            </button>
          ))}
        </div>
        <button
          type="button"
          tabIndex={-1}
          className={`pair-button${pairing ? ' active' : ''}`}
          aria-pressed={pairing}
          onClick={() => setPairing(!pairing)}
        >
          <Smartphone size={18} /> Pair a phone
        </button>
      </header>
      {pairing ? <PairingView /> : <Keyboard />}
    </div>
  );
}

/** The Electron keyboard window (route `#keyboard`): the keyboard and nothing else. */
export function KeyboardWindow() {
  return (
    <div className="keyboard-window">
      <Keyboard />
    </div>
  );
}

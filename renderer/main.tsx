import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { KeyboardWindow } from './components/KeyboardPanel';
import { PhoneKeyboard } from './components/PhoneKeyboard';
import { TerminalWindow } from './components/TerminalPanel';
import { connect } from './connection';
import { useStore } from './store/index';
import './styles.css';

/**
 * Three pages from one bundle: `/keyboard` is a phone's keyboard (it connects itself, once
 * paired), `#keyboard` the Electron keyboard window, anything else the shell.
 */
if (window.location.pathname.endsWith('/keyboard/')) {
  // One address for the page, so its relative URLs (keyboard/pair, rpc) resolve the same way.
  window.history.replaceState(null, '', window.location.pathname.slice(0, -1) + window.location.hash);
}
const phone = window.location.pathname.endsWith('/keyboard');
// `?inspect` lends the store to benchmarks and tests that measure when an update arrives in it;
// it reads what the page already shows and adds no way in.
if (new URLSearchParams(window.location.search).has('inspect')) {
  (window as unknown as { kubedeskStore: typeof useStore }).kubedeskStore = useStore;
}
if (!phone) {
  connect();
}
const root = document.getElementById('root');
if (!root) {
  throw new Error('index.html has no #root element');
}
const route = window.location.hash;
const page = phone ? (
  <PhoneKeyboard />
) : route === '#keyboard' ? (
  <KeyboardWindow />
) : route === '#terminal' ? (
  <TerminalWindow />
) : (
  <App />
);
createRoot(root).render(<StrictMode>{page}</StrictMode>);

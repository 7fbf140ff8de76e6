import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { KeyboardWindow } from './components/KeyboardPanel';
import { PhoneKeyboard } from './components/PhoneKeyboard';
import { connect } from './connection';
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
if (!phone) {
  connect();
}
const root = document.getElementById('root');
if (!root) {
  throw new Error('index.html has no #root element');
}
const page = phone ? <PhoneKeyboard /> : window.location.hash === '#keyboard' ? <KeyboardWindow /> : <App />;
createRoot(root).render(<StrictMode>{page}</StrictMode>);

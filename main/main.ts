// Electron entry of the shell. Everything lives in shell.ts so tests can run it against a
// stand-in for the electron module.
import { app } from 'electron';
import { startShell } from './shell.js';

// One shell per X session: a second start (a double click on the session entry) focuses nothing and quits.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  startShell().catch((error: unknown) => {
    console.error(`kubedesk shell: ${(error as Error).stack ?? String(error)}`);
    app.exit(1);
  });
}

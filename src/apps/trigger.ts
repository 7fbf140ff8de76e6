import { connect } from 'node:net';

/** A waiter that has not answered by then is not listening yet (or not ours). */
const TRIGGER_ANSWER_MS = 2_000;

/**
 * Sends a warm pod the word to start its app: the session's password on one line, answered by
 * "ok" just before the waiter becomes the app. False when nothing listens yet or no "ok" came.
 */
export function triggerLaunch(address: string, port: number, password: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    let answer = '';
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), TRIGGER_ANSWER_MS);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${password}\n`));
    socket.on('data', (chunk: string) => {
      answer += chunk;
      if (answer.includes('\n')) {
        finish(answer.trim() === 'ok');
      }
    });
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(answer.trim() === 'ok'));
  });
}

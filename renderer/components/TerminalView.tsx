import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'react';
import type { TerminalInfo } from '../../src/contract/index';
import { api } from '../connection';
import { useStore } from '../store/index';
import type { TerminalTab } from '../store/terminalSlice';

/** Keystrokes are sent in pieces under the host's 64 KiB input limit (a long paste). */
const INPUT_CHUNK_CHARS = 16 * 1024;

function send(tab: string, data: string): void {
  for (let offset = 0; offset < data.length; offset += INPUT_CHUNK_CHARS) {
    void api.terminal.write(tab, data.slice(offset, offset + INPUT_CHUNK_CHARS)).catch(() => undefined);
  }
}

function statusText(info: TerminalInfo | null, error: string | null): string {
  if (error) {
    return error;
  }
  if (!info) {
    return 'connecting…';
  }
  const where = info.kind === 'pty' ? 'local terminal' : 'node shell';
  switch (info.state) {
    case 'open':
      return `${info.node} · ${where}${info.directory ? ` · ${info.directory}` : ''}`;
    case 'connecting':
      return `connecting to ${info.node}…`;
    case 'reconnecting':
      return `connection to ${info.node} lost (${info.reason ?? 'unknown'}), reconnecting…`;
    case 'closed':
      return `the shell on ${info.node} ended${info.reason ? `: ${info.reason}` : ''}`;
  }
}

/** One tab's xterm.js, bound to the host's session of the same id. */
export function TerminalView({ tab, visible, search }: { tab: TerminalTab; visible: boolean; search: string }) {
  const element = useRef<HTMLDivElement>(null);
  const terminal = useRef<Terminal | null>(null);
  const fit = useRef<FitAddon | null>(null);
  const searcher = useRef<SearchAddon | null>(null);
  const node = useRef(tab.node);
  const [info, setInfo] = useState<TerminalInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const fontSize = useStore((state) => state.terminalFontSize);
  const live = useStore((state) => state.connection === 'live');

  // The xterm.js instance lives as long as the tab, across reconnects.
  useEffect(() => {
    const xterm = new Terminal({ allowProposedApi: true, fontSize, cursorBlink: true, scrollback: 10_000 });
    const fitAddon = new FitAddon();
    const searchAddon = new SearchAddon();
    xterm.loadAddon(fitAddon);
    xterm.loadAddon(searchAddon);
    xterm.loadAddon(new WebLinksAddon());
    xterm.loadAddon(new Unicode11Addon());
    xterm.unicode.activeVersion = '11';
    xterm.open(element.current!);
    // Ctrl+Shift+C / Ctrl+Shift+V copy and paste; plain Ctrl+C stays the interrupt.
    xterm.attachCustomKeyEventHandler((event) => {
      if (event.type !== 'keydown' || !event.ctrlKey || !event.shiftKey) {
        return true;
      }
      if (event.code === 'KeyC') {
        void navigator.clipboard?.writeText(xterm.getSelection()).catch(() => undefined);
        return false;
      }
      if (event.code === 'KeyV') {
        void navigator.clipboard
          ?.readText()
          .then((text) => xterm.paste(text))
          .catch(() => undefined);
        return false;
      }
      return true;
    });
    const input = xterm.onData((data) => send(tab.id, data));
    const resized = xterm.onResize(({ cols, rows }) => {
      void api.terminal.resize(tab.id, cols, rows).catch(() => undefined);
    });
    terminal.current = xterm;
    fit.current = fitAddon;
    searcher.current = searchAddon;
    const observer = new ResizeObserver(() => {
      if (element.current?.offsetParent) {
        fitAddon.fit();
      }
    });
    observer.observe(element.current!);
    return () => {
      observer.disconnect();
      input.dispose();
      resized.dispose();
      xterm.dispose();
      terminal.current = null;
    };
    // The font size is applied by the effect below; the instance is per tab.
  }, [tab.id]);

  useEffect(() => {
    if (terminal.current) {
      terminal.current.options.fontSize = fontSize;
      fit.current?.fit();
    }
  }, [fontSize]);

  useEffect(() => {
    if (visible) {
      fit.current?.fit();
      terminal.current?.focus();
    }
  }, [visible]);

  useEffect(() => {
    if (search) {
      searcher.current?.findNext(search);
    }
  }, [search]);

  // Opens (or re-attaches to) the host's session whenever the connection is live: after a
  // reload or a host restart the same tab id finds its shell, or its history in a new one.
  useEffect(() => {
    const xterm = terminal.current;
    if (!live || !xterm) {
      return;
    }
    let cancelled = false;
    const disposers: (() => void)[] = [];
    async function attach(): Promise<void> {
      try {
        const opened = await api.terminal.open({
          tab: tab.id,
          node: node.current,
          columns: xterm!.cols,
          rows: xterm!.rows,
          persistent: tab.persistent,
        });
        if (cancelled) {
          return;
        }
        setError(null);
        setInfo(opened);
        node.current = opened.node;
        const output = api.terminal.onOutput(tab.id, ({ data, bytes }) => {
          // Acknowledged once xterm.js has parsed it: the host's flow control counts on this.
          xterm!.write(data, () => {
            if (bytes > 0) {
              void api.terminal.acknowledge(tab.id, bytes).catch(() => undefined);
            }
          });
        });
        const infos = api.terminal.onInfo(tab.id, (next) => {
          setInfo(next);
          node.current = next.node;
        });
        disposers.push(
          () => output.dispose(),
          () => infos.dispose(),
        );
      } catch (failure) {
        if (!cancelled) {
          setError(`cannot open a shell on ${node.current}: ${(failure as Error).message}`);
          // The host keeps trying; look again shortly.
          const retry = window.setTimeout(() => void attach(), 2_000);
          disposers.push(() => window.clearTimeout(retry));
        }
      }
    }
    void attach();
    return () => {
      cancelled = true;
      for (const dispose of disposers) {
        dispose();
      }
    };
  }, [live, tab.id, tab.persistent]);

  // A new node for the tab: the host opens a shell there in the same directory, same history.
  useEffect(() => {
    if (tab.node === node.current || !live) {
      return;
    }
    node.current = tab.node;
    setError(null);
    api.terminal.moveTo(tab.id, tab.node).then(setInfo, (failure: Error) => {
      setError(`cannot move to ${tab.node}: ${failure.message}`);
    });
  }, [tab.node, tab.id, live]);

  return (
    <div className="terminal-view" hidden={!visible} data-tab={tab.id} data-state={info?.state ?? 'connecting'}>
      <div className="terminal-status" role="status" data-node={info?.node ?? ''}>
        {statusText(info, error)}
      </div>
      <div className="terminal-screen" ref={element} />
    </div>
  );
}

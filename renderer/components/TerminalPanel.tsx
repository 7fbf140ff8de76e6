import { Minus, Plus, X } from 'lucide-react';
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useStore } from '../store/index';
import { ProcessView } from './ProcessView';
import { TerminalView } from './TerminalView';

/** Terminal tabs, each with its node picker; font size and search for the one in front. */
export function TerminalPanel() {
  const tabs = useStore(useShallow((state) => state.terminalTabs));
  const active = useStore((state) => state.activeTerminal);
  const nodeNames = useStore(useShallow((state) => state.nodeNames));
  const hostNode = useStore((state) => state.info?.nodeName ?? '');
  const fontSize = useStore((state) => state.terminalFontSize);
  const { addTerminal, closeTerminal, selectTerminal, setTerminalNode, setTerminalFontSize } = useStore(
    useShallow((state) => ({
      addTerminal: state.addTerminal,
      closeTerminal: state.closeTerminal,
      selectTerminal: state.selectTerminal,
      setTerminalNode: state.setTerminalNode,
      setTerminalFontSize: state.setTerminalFontSize,
    })),
  );
  const [search, setSearch] = useState('');
  const [showProcesses, setShowProcesses] = useState(false);
  const nodes = nodeNames.length > 0 ? nodeNames : hostNode ? [hostNode] : [];
  const front = tabs.find((tab) => tab.id === active) ?? tabs.at(-1);

  return (
    <section className="terminal-panel" aria-label="Terminal">
      <div className="terminal-toolbar" role="tablist">
        {tabs.map((tab) => (
          <div key={tab.id} className={`terminal-tab${tab.id === front?.id ? ' active' : ''}`}>
            <button
              type="button"
              role="tab"
              aria-selected={tab.id === front?.id}
              onClick={() => selectTerminal(tab.id)}
            >
              {tab.node}
            </button>
            <button type="button" aria-label={`close terminal on ${tab.node}`} onClick={() => closeTerminal(tab.id)}>
              <X size={14} />
            </button>
          </div>
        ))}
        <button type="button" aria-label="New terminal" onClick={() => addTerminal(front?.node ?? hostNode)}>
          <Plus size={16} />
        </button>
        <span className="terminal-spacer" />
        {front ? (
          <label>
            Node{' '}
            <select
              aria-label="node"
              value={front.node}
              onChange={(event) => setTerminalNode(front.id, event.target.value)}
            >
              {(nodes.includes(front.node) ? nodes : [front.node, ...nodes]).map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <input
          type="search"
          aria-label="search the terminal"
          placeholder="Search"
          value={search}
          onChange={(event) => setSearch(event.target.value)}
        />
        <button type="button" aria-label="smaller font" onClick={() => setTerminalFontSize(fontSize - 1)}>
          <Minus size={14} />
        </button>
        <span className="terminal-font-size">{fontSize}px</span>
        <button type="button" aria-label="larger font" onClick={() => setTerminalFontSize(fontSize + 1)}>
          <Plus size={14} />
        </button>
        <button type="button" aria-pressed={showProcesses} onClick={() => setShowProcesses(!showProcesses)}>
          Processes
        </button>
      </div>
      {showProcesses ? <ProcessView /> : null}
      {tabs.length === 0 ? (
        <p className="terminal-empty">
          <button type="button" onClick={() => addTerminal(hostNode)}>
            Open a terminal on {hostNode || 'this node'}
          </button>
        </p>
      ) : null}
      {tabs.map((tab) => (
        <TerminalView key={tab.id} tab={tab} visible={!showProcesses && tab.id === front?.id} search={search} />
      ))}
    </section>
  );
}

/** The Electron terminal window (route `#terminal`): the same tabs, filling the window. */
export function TerminalWindow() {
  return (
    <div className="terminal-window">
      <TerminalPanel />
    </div>
  );
}

import { useEffect, useState } from 'react';
import type { ProcessList, ProcessSortKey } from '../../src/contract/index';
import { processSortKeys } from '../../src/contract/index';
import { api } from '../connection';

/** How often the process view refreshes while open. */
const REFRESH_MS = 3_000;
const SHOWN_ROWS = 300;

/** `kps` in the shell: host processes of every node, with a NODE column, sort and filter. */
export function ProcessView() {
  const [list, setList] = useState<ProcessList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sort, setSort] = useState<ProcessSortKey>('cpu');
  const [filter, setFilter] = useState('');

  useEffect(() => {
    let stopped = false;
    let timer: number | undefined;
    async function refresh(): Promise<void> {
      try {
        const next = await api.terminal.processes({ sort, ...(filter ? { filter } : {}), limit: SHOWN_ROWS });
        if (!stopped) {
          setList(next);
          setError(null);
        }
      } catch (failure) {
        if (!stopped) {
          setError((failure as Error).message);
        }
      }
      if (!stopped) {
        timer = window.setTimeout(() => void refresh(), REFRESH_MS);
      }
    }
    void refresh();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [sort, filter]);

  return (
    <div className="process-view">
      <div className="process-controls">
        <input
          type="search"
          aria-label="filter processes"
          placeholder="Filter"
          value={filter}
          onChange={(event) => setFilter(event.target.value)}
        />
        <label>
          Sort{' '}
          <select value={sort} onChange={(event) => setSort(event.target.value as ProcessSortKey)}>
            {processSortKeys.map((key) => (
              <option key={key} value={key}>
                {key}
              </option>
            ))}
          </select>
        </label>
        {error ? <span className="process-error">{error}</span> : null}
        {list?.failures.map((failure) => (
          <span key={failure.node} className="process-error">
            {failure.node}: {failure.reason}
          </span>
        ))}
      </div>
      <table className="process-table">
        <thead>
          <tr>
            <th>NODE</th>
            <th>PID</th>
            <th>USER</th>
            <th>%CPU</th>
            <th>RSS</th>
            <th>COMMAND</th>
          </tr>
        </thead>
        <tbody>
          {list?.processes.map((row) => (
            <tr key={`${row.node}:${row.pid}`}>
              <td>{row.node}</td>
              <td>{row.pid}</td>
              <td>{row.user}</td>
              <td>{row.cpuPercent.toFixed(1)}</td>
              <td>{Math.round(row.residentKiB / 1024)} MiB</td>
              <td className="process-command">{row.command}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

import { PanelArea } from './components/PanelArea';
import { Taskbar } from './components/Taskbar';

export function App() {
  return (
    <div className="shell">
      <PanelArea />
      <Taskbar />
    </div>
  );
}

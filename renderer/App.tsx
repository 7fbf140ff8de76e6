import { KeyboardPanel } from './components/KeyboardPanel';
import { PanelArea } from './components/PanelArea';
import { StopDialog } from './components/RunningApps';
import { Taskbar } from './components/Taskbar';
import { useStore } from './store/index';

export function App() {
  const keyboardVisible = useStore((state) => state.keyboardVisible);
  return (
    <div className="shell">
      <PanelArea />
      {keyboardVisible ? <KeyboardPanel /> : null}
      <Taskbar />
      <StopDialog />
    </div>
  );
}

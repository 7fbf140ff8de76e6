import { Unplug } from 'lucide-react';
import { useStore } from '../store/index';

/**
 * Shown only while the hardware controller is offline: the screen, sound and power buttons
 * will not work then, and the tooltip says why ("no answer within 3000 ms", "401: …").
 */
export function HardwareIndicator() {
  const offline = useStore((state) => state.hardware?.connection === 'offline');
  const message = useStore((state) => state.hardware?.message ?? '');
  const controller = useStore((state) => state.hardware?.controller ?? '');
  if (!offline) {
    return null;
  }
  return (
    <div
      className="hardware-indicator"
      role="status"
      aria-label="hardware offline"
      data-hardware="offline"
      title={`Hardware controller ${controller} is offline: ${message}`}
    >
      <Unplug size={18} />
      <span>Hardware offline</span>
    </div>
  );
}

import type { ReactNode } from 'react';

export interface TaskbarButtonProps {
  label: string;
  icon: ReactNode;
  onClick?: () => void;
  active?: boolean;
  /** Why the button cannot be used now; shown as its tooltip. */
  unavailable?: string;
  showLabel?: boolean;
  children?: ReactNode;
}

export function TaskbarButton(props: TaskbarButtonProps) {
  const { label, icon, onClick, active = false, unavailable, showLabel = false, children } = props;
  return (
    <button
      type="button"
      className={`taskbar-button${active ? ' active' : ''}`}
      aria-label={label}
      aria-pressed={active}
      title={unavailable ?? label}
      disabled={unavailable !== undefined}
      // Clicking the panel must never pull focus from the app window the user is typing into.
      onMouseDown={(event) => event.preventDefault()}
      onClick={onClick}
    >
      {icon}
      {showLabel ? <span className="taskbar-button-label">{label}</span> : null}
      {children}
    </button>
  );
}

import { useEffect, useRef, useState, type PointerEvent as ReactPointerEvent, type SyntheticEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { KeyName } from '../../src/contract/index';
import {
  accentsOf,
  characterOf,
  keyboardRows,
  LAYOUT_LABELS,
  type CharacterKey,
  type KeyCap,
} from '../keyboard/layouts';
import { repeatKey, sendKey, toggleModifier } from '../keyboard/send';
import { useStore } from '../store/index';

/** Key repeat: like a physical keyboard's defaults (X uses 660 ms and 25 per second). */
export const REPEAT_DELAY_MS = 500;
export const REPEAT_INTERVAL_MS = 40;
/** Holding a letter this long offers its accented forms instead of typing it. */
export const LONG_PRESS_MS = 450;

/**
 * Every press on the keyboard cancels the browser's default: no focus moves to the keyboard,
 * no text is selected, no context menu opens on a long press. The app keeps the focus.
 */
function keepFocus(event: SyntheticEvent): void {
  event.preventDefault();
}

interface Press {
  repeat?: ReturnType<typeof setTimeout>;
  longPress?: ReturnType<typeof setTimeout>;
}

function useTimers() {
  const press = useRef<Press>({});
  function stop(): void {
    clearTimeout(press.current.repeat);
    clearTimeout(press.current.longPress);
    press.current = {};
  }
  useEffect(() => stop, []);
  return { press, stop };
}

function keyLabel(cap: KeyCap, shift: boolean, altgr: boolean, layoutLabel: string): string {
  switch (cap.kind) {
    case 'character':
      return characterOf(cap, shift, altgr);
    case 'action':
      return cap.action === 'layout' ? layoutLabel : cap.label;
    default:
      return cap.label;
  }
}

/** The on-screen keyboard: the same component in the shell's panel, its own window, and on a phone. */
export function Keyboard() {
  const layout = useStore((state) => state.keyboardLayout);
  const page = useStore((state) => state.keyboardPage);
  const modifiers = useStore(useShallow((state) => state.modifiers));
  const error = useStore((state) => state.keyboardError);
  const notReady = useStore((state) => (state.inputState && !state.inputState.ready ? state.inputState.message : null));
  const [accents, setAccents] = useState<{ base: string; choices: string[] } | null>(null);
  const { press, stop } = useTimers();

  const shift = modifiers.shift !== 'off';
  const altgr = modifiers.altgr !== 'off';
  const rows = keyboardRows(layout, page);

  function startRepeat(key: KeyName): void {
    press.current.repeat = setTimeout(function again() {
      repeatKey(key);
      press.current.repeat = setTimeout(again, REPEAT_INTERVAL_MS);
    }, REPEAT_DELAY_MS);
  }

  function down(event: ReactPointerEvent, cap: KeyCap): void {
    event.preventDefault();
    stop();
    setAccents(null);
    const store = useStore.getState();
    switch (cap.kind) {
      case 'modifier':
        toggleModifier(cap.modifier);
        return;
      case 'action':
        if (cap.action === 'layout') {
          store.nextKeyboardLayout();
        } else {
          store.setKeyboardPage(cap.action);
        }
        return;
      case 'named':
        sendKey(cap.key);
        if (cap.repeats) {
          startRepeat(cap.key);
        }
        return;
      case 'character':
        characterDown(cap);
    }
  }

  function characterDown(cap: CharacterKey): void {
    const character = characterOf(cap, shift, altgr);
    const choices = accentsOf(character);
    if (choices.length === 0) {
      sendKey(character);
      startRepeat(character);
      return;
    }
    // Typed on release, unless held long enough to offer the accents.
    press.current.longPress = setTimeout(() => {
      press.current.longPress = undefined;
      setAccents({ base: character, choices });
    }, LONG_PRESS_MS);
  }

  function up(event: ReactPointerEvent, cap: KeyCap): void {
    event.preventDefault();
    const waiting = press.current.longPress !== undefined;
    stop();
    if (cap.kind === 'character' && waiting) {
      sendKey(characterOf(cap, shift, altgr));
    }
  }

  return (
    <div
      className="osk"
      role="group"
      aria-label="on-screen keyboard"
      data-layout={layout}
      data-page={page}
      onMouseDown={keepFocus}
      onContextMenu={keepFocus}
    >
      {accents ? (
        <div className="osk-accents" role="group" aria-label={`accents of ${accents.base}`}>
          {accents.choices.map((choice) => (
            <button
              key={choice}
              type="button"
              tabIndex={-1}
              className="osk-key"
              data-key={choice}
              onPointerDown={keepFocus}
              onPointerUp={(event) => {
                event.preventDefault();
                setAccents(null);
                sendKey(choice);
              }}
            >
              {choice}
            </button>
          ))}
          <button
            type="button"
            tabIndex={-1}
            className="osk-key osk-accents-close"
            aria-label="close accents"
            onPointerDown={keepFocus}
            onPointerUp={() => setAccents(null)}
          >
            ×
          </button>
        </div>
      ) : null}
      {rows.map((row, rowIndex) => (
        <div className="osk-row" key={rowIndex}>
          {row.map((cap, index) => {
            const label = keyLabel(cap, shift, altgr, layout.toUpperCase());
            const mode = cap.kind === 'modifier' ? modifiers[cap.modifier] : undefined;
            return (
              <button
                key={`${rowIndex}-${index}`}
                type="button"
                tabIndex={-1}
                className={`osk-key osk-${cap.kind}${mode && mode !== 'off' ? ` mod-${mode}` : ''}`}
                style={{ flexGrow: 'width' in cap ? (cap.width ?? 1) : 1 }}
                data-key={cap.kind === 'character' ? label : cap.kind === 'named' ? cap.key : undefined}
                data-modifier={cap.kind === 'modifier' ? cap.modifier : undefined}
                data-mode={mode}
                data-action={cap.kind === 'action' ? cap.action : undefined}
                aria-pressed={mode === undefined ? undefined : mode !== 'off'}
                aria-label={
                  cap.kind === 'action' && cap.action === 'layout' ? `layout: ${LAYOUT_LABELS[layout]}` : label
                }
                title={
                  mode === 'sticky' ? `${label}: for the next key` : mode === 'locked' ? `${label}: locked` : undefined
                }
                onPointerDown={(event) => down(event, cap)}
                onPointerUp={(event) => up(event, cap)}
                onPointerLeave={stop}
                onPointerCancel={stop}
              >
                {label}
              </button>
            );
          })}
        </div>
      ))}
      {error || notReady ? (
        <p className="osk-status" role="status">
          {notReady ?? error}
        </p>
      ) : null}
    </div>
  );
}

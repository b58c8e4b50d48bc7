// The snooze menu's presets: their own chunk (Actions.tsx), loaded when
// an agent opens the menu.
import { useEffect, useRef } from 'preact/hooks';
import { snoozePresets } from './lifecycle';

const fmt = new Intl.DateTimeFormat(undefined, { weekday: 'short', hour: '2-digit', minute: '2-digit' });

/** In an hour, tomorrow 9:00, next week: a click picks one; a click elsewhere or Escape closes. */
export function SnoozeList({ onPick, onClose }: { onPick: (until: Date) => void; onClose: () => void }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const away = (e: Event) => {
      // The menu's own button toggles it; any other click closes it.
      if (box.current && !box.current.parentElement?.contains(e.target as Node)) onClose();
    };
    const esc = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    document.addEventListener('mousedown', away);
    document.addEventListener('keydown', esc);
    box.current?.querySelector<HTMLButtonElement>('[role=menuitem]')?.focus();
    return () => {
      document.removeEventListener('mousedown', away);
      document.removeEventListener('keydown', esc);
    };
  }, []);
  return (
    <div class="menu" role="menu" aria-label="Snooze until" ref={box}>
      {snoozePresets(new Date()).map((p) => (
        <button key={p.id} type="button" role="menuitem" class="menu-item" onClick={() => onPick(p.until)}>
          <span>{p.label}</span>
          <span class="muted">{fmt.format(p.until)}</span>
        </button>
      ))}
    </div>
  );
}

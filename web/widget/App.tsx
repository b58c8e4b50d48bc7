import { useEffect, useRef } from 'preact/hooks';
import { Launcher } from './Launcher';
import { Panel } from './Panel';
import type { WidgetStore } from './store';

/** The widget: a launcher, and the panel when open. Focus follows: into the composer on open, back to the launcher on close. */
export function App({ store }: { store: WidgetStore }) {
  const launcher = useRef<HTMLButtonElement>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const open = store.isOpen.value;
  const wasOpen = useRef(open);

  useEffect(() => {
    if (open && !wasOpen.current) input.current?.focus();
    if (!open && wasOpen.current) launcher.current?.focus();
    wasOpen.current = open;
  }, [open]);

  return (
    <div class="root">
      {open && <Panel store={store} inputRef={input} />}
      <Launcher store={store} buttonRef={launcher} />
    </div>
  );
}

import { useEffect, useRef } from 'preact/hooks';
import { inkOn } from '../shared/look';
import { PageBanners, Teaser } from './Broadcasts';
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

  // The site's colour, with the ink that reads on it; links on white take
  // the accent only when it is dark enough for white ink (the same contrast).
  const color = store.look.value?.color;
  const ink = color && inkOn(color);
  const style = ink ? { '--accent': color, '--accent-ink': ink, '--accent-text': ink === '#ffffff' ? color : 'var(--text)' } : undefined;
  return (
    <>
      <div class="casts" style={style}>
        <PageBanners store={store} />
      </div>
      <div class="root" style={style}>
        {open && <Panel store={store} inputRef={input} />}
        <Teaser store={store} />
        <Launcher store={store} buttonRef={launcher} />
        <p class="sr-only" aria-live="polite">
          {store.announcement.value}
        </p>
      </div>
    </>
  );
}

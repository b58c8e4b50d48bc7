import { useEffect, useRef } from 'preact/hooks';
import { inkOn, readableOn } from '../shared/look';
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
    store.focusLauncher = () => launcher.current?.focus();
  }, []);

  useEffect(() => {
    if (open && !wasOpen.current) input.current?.focus();
    if (!open && wasOpen.current) launcher.current?.focus();
    wasOpen.current = open;
  }, [open]);

  // The site's colour, with the ink that reads on it; links on white take
  // the accent only when it is dark enough for white ink (the same contrast).
  const color = store.look.value?.color;
  const ink = color && inkOn(color);
  // A banner's text is body text: its background (--cast-bg) is the accent
  // made dark or light enough to read at 4.5:1 (the launcher's icon needs 3:1).
  const style = ink
    ? { '--accent': color, '--accent-ink': ink, '--accent-text': ink === '#ffffff' ? color : 'var(--text)', '--cast-bg': readableOn(color) }
    : undefined;
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

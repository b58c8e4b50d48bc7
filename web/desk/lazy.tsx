import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';

// Any props: each use is typed by its C.
type Component = (props: any) => JSX.Element | null;

/**
 * A component of its own chunk, loaded when it is first shown (nothing is
 * shown until then): what few agents need on a given day stays out of the
 * live desk's first load.
 */
export function lazy<C extends Component>(load: () => Promise<C>): C {
  let loading: Promise<C> | undefined;
  return function Lazy(props: Parameters<C>[0]) {
    const [Shown, setShown] = useState<C | null>(null);
    useEffect(() => {
      (loading ??= load()).then(
        (c) => setShown(() => c),
        () => (loading = undefined), // tried again where it is shown next
      );
    }, []);
    return Shown ? <Shown {...props} /> : null;
  } as C;
}

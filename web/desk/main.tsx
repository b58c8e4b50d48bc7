import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, getMe, type Me } from './api';
import { Desk } from './Desk';
import { lazy } from './lazy';
import './desk.css';

// A signed-in agent (most page loads) never needs the sign-in page.
const SignIn = lazy(() => import('./SignIn').then((m) => m.SignIn));

/** Signs in when needed, then shows the desk. */
function Root() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [error, setError] = useState('');
  const [signedIn, setSignedIn] = useState(false);
  const check = () =>
    getMe()
      .then(setMe)
      .catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 401) setMe(null);
        else setError('Live Desk cannot be reached. Retrying…');
      });
  useEffect(() => {
    void check();
  }, []);
  useEffect(() => {
    if (!error) return;
    const t = setTimeout(() => {
      setError('');
      void check();
    }, 3000);
    return () => clearTimeout(t);
  }, [error]);

  if (error) return <p class="boot">{error}</p>;
  if (me === undefined) return <p class="boot">Loading…</p>;
  if (me === null) {
    return (
      <SignIn
        onSignedIn={() => {
          setSignedIn(true);
          void check();
        }}
      />
    );
  }
  return <Desk me={me} signedIn={signedIn} onSignedOut={() => setMe(null)} />;
}

const app = document.getElementById('app');
if (app) render(<Root />, app);

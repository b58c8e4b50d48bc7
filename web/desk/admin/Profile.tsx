import { useRef, useState } from 'preact/hooks';
import type { Agent } from '../../shared/protocol';
import { ApiError, call, type Me } from '../api';
import { Avatar } from '../Avatar';
import type { SoundKind } from '../notify';
import type { DeskStore } from '../store';
import { deleteAvatar, MAX_NAME, putAvatar, updateAgent } from './api';
import { AVATAR_TYPES, avatarErrorText, avatarPlan, shrink, shrunkProblem } from './avatar';
import { errorText, Field, FormError, SubmitRow } from './form';

/** Which notices may sound, one choice per kind (notify.ts SoundKind), as Your profile offers them. */
const SOUND_KINDS: [SoundKind, string][] = [
  ['visitor', 'A new visitor on a site'],
  ['chat', 'A new chat, a chat assigned to me, or a mention of me'],
  ['message', "A visitor's message in one of my chats"],
  ['visitorDrop', 'A visitor of one of my chats losing their connection'],
  ['agentDrop', "Another agent's connection dropping (their chats go back to the queue)"],
];

/**
 * Profile: the agent's own name (the one visitors see), avatar, password
 * and notification choices. Every role has it.
 */
export function Profile({ me, store }: { me: Me; store: DeskStore }) {
  const notifier = store.notifier;
  return (
    <section aria-labelledby="profile-title">
      <h2 id="profile-title">Your profile</h2>
      <p class="muted">
        Signed in as {me.agent.email} ({me.agent.role}).
      </p>
      <NameForm me={me} />
      <AvatarForm me={me} store={store} />
      <PasswordForm />
      <div class="admin-new">
        <h3>Notifications</h3>
        <label class="check">
          <input type="checkbox" checked={notifier.sound.value} onChange={() => notifier.toggleSound()} />
          Play sounds
        </label>
        <fieldset class="field sound-kinds" disabled={!notifier.sound.value}>
          <legend class="pref-label">Play a sound for</legend>
          {SOUND_KINDS.map(([kind, label]) => (
            <label class="check" key={kind}>
              <input type="checkbox" checked={notifier.soundFor.value[kind]} onChange={(e) => notifier.setSoundFor(kind, e.currentTarget.checked)} />
              {label}
            </label>
          ))}
        </fieldset>
        <p class="pref-help muted">
          {notifier.desktop.value === 'granted'
            ? 'Browser notifications are on: they show while this tab is in the background.'
            : notifier.desktop.value === 'denied'
              ? 'Browser notifications are blocked for this site in your browser settings.'
              : notifier.desktop.value === 'unsupported'
                ? 'This browser has no notifications.'
                : 'Browser notifications are off.'}
        </p>
        {notifier.desktop.value === 'default' && (
          <button type="button" class="btn" onClick={() => void notifier.askDesktop()}>
            Turn on browser notifications
          </button>
        )}
      </div>
    </section>
  );
}

function NameForm({ me }: { me: Me }) {
  const [name, setName] = useState(me.agent.name);
  const [error, setError] = useState('');
  const [saved, setSaved] = useState(false);
  const submit = (e: Event) => {
    e.preventDefault();
    setSaved(false);
    if (!name.trim()) return setError('Enter the name visitors see.');
    updateAgent(me.agent.id, { name: name.trim() })
      .then(() => {
        setError(''); // the top bar follows through the agent event
        setSaved(true);
      })
      .catch((err: unknown) => setError(errorText(err, 'Saving your name')));
  };
  return (
    <form class="prefs-form admin-new" onSubmit={submit} noValidate aria-labelledby="name-title">
      <h3 id="name-title">Name</h3>
      <Field id="my-name" label="Display name" help="Visitors see it on your messages; other agents see it everywhere." error={error}>
        <input id="my-name" value={name} maxLength={MAX_NAME} onInput={(e) => setName(e.currentTarget.value)} />
      </Field>
      <SubmitRow label="Save name" done={saved ? 'Saved' : ''} />
    </form>
  );
}

/**
 * The agent's avatar: its picture (sent as chosen, or made smaller first
 * when too big), or its initial once removed. Every desk follows through
 * the agent event; this one at once with the answer.
 */
function AvatarForm({ me, store }: { me: Me; store: DeskStore }) {
  const self = store.me.value;
  const at = self?.avatar_at;
  const name = self?.name ?? me.agent.name;
  const input = useRef<HTMLInputElement>(null);
  const [error, setError] = useState('');
  // What is under way ("Sending…") or what the last change did ("Picture saved").
  const [status, setStatus] = useState('');
  const busy = status.endsWith('…');
  const fail = (text: string) => {
    setStatus('');
    setError(text);
    return false;
  };
  const save = (change: Promise<Agent>, what: string, done: string) =>
    change.then(
      (a) => {
        const now = store.me.value;
        if (now) store.me.value = { ...now, avatar_at: a.avatar_at };
        setStatus(done);
        return true;
      },
      (err: unknown) => fail(avatarErrorText(err, what)),
    );
  const choose = async (e: Event) => {
    const el = e.currentTarget as HTMLInputElement;
    const file = el.files?.[0];
    el.value = ''; // the same file chosen again is a change again
    if (!file || busy) return;
    setError('');
    const plan = avatarPlan(file);
    if (plan.problem) return fail(plan.problem);
    setStatus('Sending your picture…');
    let image: Blob = file;
    if (plan.shrink) {
      try {
        image = await shrink(file);
      } catch {
        return fail('This picture could not be read. Choose another one.');
      }
      const problem = shrunkProblem(image.size);
      if (problem) return fail(problem);
    }
    return save(putAvatar(image), 'Saving your picture', 'Picture saved');
  };
  const remove = () => {
    if (busy) return;
    setError('');
    setStatus('Removing your picture…');
    // The button goes with the picture: the focus to the file input.
    void save(deleteAvatar(), 'Removing your picture', 'Picture removed: others see your initial').then((ok) => ok && input.current?.focus());
  };
  return (
    <div class="prefs-form admin-new" role="group" aria-labelledby="avatar-title">
      <h3 id="avatar-title">Avatar</h3>
      <div class="avatar-now">
        <Avatar id={me.agent.id} at={at} name={name} cls="large" />
        <span>
          <strong>{name}</strong>
          <span class="muted block">{at ? 'Your picture, as everyone on the team sees it beside your name.' : 'No picture: the team sees your initial.'}</span>
        </span>
      </div>
      <Field id="my-avatar" label="Upload a picture" help="PNG, JPEG or WebP of at most 256 KB; a bigger one is first made smaller (256 × 256 pixels)." error={error}>
        <input
          id="my-avatar"
          ref={input}
          type="file"
          accept={AVATAR_TYPES}
          aria-describedby={error ? 'my-avatar-help my-avatar-error' : 'my-avatar-help'}
          aria-invalid={error ? true : undefined}
          onChange={(e) => void choose(e)}
        />
      </Field>
      <div class="prefs-buttons">
        {at && (
          <button type="button" class="btn" onClick={remove}>
            Remove picture
          </button>
        )}
        <span class="saved" role="status">
          {status}
        </span>
      </div>
    </div>
  );
}

function PasswordForm() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [errors, setErrors] = useState<{ current?: string; next?: string }>({});
  const [formError, setFormError] = useState('');
  const [saved, setSaved] = useState(false);
  const submit = (e: Event) => {
    e.preventDefault();
    setSaved(false);
    setFormError('');
    if (!current || !next) return setErrors({ current: current ? undefined : 'Enter your current password.', next: next ? undefined : 'Enter a new password.' });
    call<void>('POST', '/auth/password', { current_password: current, new_password: next })
      .then(() => {
        setErrors({});
        setCurrent('');
        setNext('');
        setSaved(true);
      })
      .catch((err: unknown) => {
        if (err instanceof ApiError && err.field === 'new_password') setErrors({ next: err.message });
        else if (err instanceof ApiError && (err.field === 'current_password' || err.status === 401)) setErrors({ current: err.message });
        else setFormError(errorText(err, 'Changing your password'));
      });
  };
  return (
    <form class="prefs-form admin-new" onSubmit={submit} noValidate aria-labelledby="pw-title">
      <h3 id="pw-title">Password</h3>
      <Field id="pw-current" label="Current password" error={errors.current}>
        <input id="pw-current" type="password" autocomplete="current-password" value={current} onInput={(e) => setCurrent(e.currentTarget.value)} />
      </Field>
      <Field id="pw-new" label="New password" help="At least 12 characters. Your other sessions are signed out; this one stays." error={errors.next}>
        <input id="pw-new" type="password" autocomplete="new-password" value={next} onInput={(e) => setNext(e.currentTarget.value)} />
      </Field>
      <FormError text={formError} />
      <SubmitRow label="Change password" done={saved ? 'Password changed' : ''} />
    </form>
  );
}

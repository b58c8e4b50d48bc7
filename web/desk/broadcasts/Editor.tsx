// One broadcast ('new': a draft not saved yet): every field of it, a
// preview, how many visitors online now it would reach, the buttons its
// status offers, and, once saved, what it did (refreshed every 15 s while
// open, until it ends or is deleted). Changes made on other desks arrive as
// socket frames: the form follows them unless it holds unsaved changes,
// which it keeps (and says), and which are not left without a question.
import { useEffect, useRef, useState } from 'preact/hooks';
import { type BroadcastAnalytics, broadcastAnalytics, type BroadcastStats } from '../analytics/api';
import { ReachBars, ReachLegend, STATUSES, StatTiles } from '../analytics/BroadcastFigures';
import { ApiError, getWorkspace } from '../api';
import { focusSoon } from '../focus';
import { go, holdRoute, href } from '../router';
import type { DeskStore } from '../store';
import { type Broadcast, createBroadcast, deleteBroadcast, getBroadcast, type Step, step, updateBroadcast } from './api';
import { AudienceFields, Reach } from './Audience';
import { actions, audienceOf, check, type Draft, draftOf, fieldKey, inputOf, MAX_LABEL, MAX_NAME, MAX_TEXT, same, versionOf, withStats } from './draft';
import { described, Field } from './Field';
import { Preview } from './Preview';
import { browserZone, toInstant } from './zone';

const message = (err: unknown) => (err instanceof ApiError ? err.message : 'Live Desk cannot be reached. Try again.');

/** How often an open broadcast's counts (and the broadcast, should a frame be missed) are read again. */
const REFRESH_MS = 15_000;

export function StatusPill({ status }: { status: Broadcast['status'] }) {
  return <span class={`pill bc-status ${status}`}>{STATUSES[status] ?? status}</span>;
}

export function Editor({ store, id }: { store: DeskStore; id: string }) {
  const me = store.agentId;
  /** The workspace's time zone: where the start and end are read ('' until known). */
  const [zone, setZone] = useState('');
  const [saved, setSaved] = useState<Broadcast | null>(null);
  const [d, setD] = useState<Draft | null>(null);
  const [loadError, setLoadError] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState('');
  const [done, setDone] = useState('');
  const [busy, setBusy] = useState(false);
  const [confirm, setConfirm] = useState<'' | 'end' | 'delete'>('');
  /** Another desk changed this broadcast under unsaved changes, or deleted it. */
  const [elsewhere, setElsewhere] = useState<'' | 'changed' | 'deleted'>('');
  const [tick, setTick] = useState(0);

  useEffect(() => {
    getWorkspace().then(
      (w) => setZone(w.settings.time_zone || 'UTC'),
      () => setZone(browserZone()),
    );
  }, []);

  useEffect(() => {
    if (saved && saved.id === id) return; // just made here: the address followed it
    setSaved(null);
    setD(null);
    setLoadError('');
    setErrors({});
    setFormError('');
    setDone('');
    setConfirm('');
    setElsewhere('');
    if (id === 'new') return;
    let live = true;
    getBroadcast(id).then(
      (b) => live && setSaved(b),
      (err: unknown) => live && setLoadError(message(err)),
    );
    return () => {
      live = false;
    };
  }, [id]);

  // The form, once the zone and the broadcast are known.
  const base = zone && (saved || id === 'new') ? draftOf(saved, zone, me) : null;
  useEffect(() => {
    if (!d && base) setD(base);
  }, [!!base, d]);
  const dirty = !!d && !!base && !same(d, base, zone);

  // A newer version of this broadcast (a frame, or the periodic read) is
  // shown; the form follows unless it holds unsaved changes. While this
  // desk saves, the echo of its own save is no news: the answer brings it.
  // An older version never replaces a newer one (versionOf): a frame may
  // come late, and a read may answer with what was before a change shown
  // meanwhile. reread: this desk's own read after a refusal (busy or not).
  const latest = useRef({ saved, dirty, busy, zone });
  latest.current = { saved, dirty, busy, zone };
  const follow = (b: Broadcast, reread = false) => {
    const cur = latest.current;
    if (!cur.saved || b.id !== cur.saved.id || (cur.busy && !reread)) return;
    const v = versionOf(b, cur.saved);
    if (v < 0) return;
    // Held at once (not at the next render), so a second answer in the same turn compares with this one.
    cur.saved = v === 0 ? (b.stats ? { ...cur.saved, stats: b.stats } : cur.saved) : withStats(b, cur.saved);
    setSaved(cur.saved);
    if (v === 0) return; // the same version: only its counts may be fresher
    if (cur.dirty) setElsewhere('changed');
    else setD(draftOf(b, cur.zone, me));
  };
  /** Counts the saves and steps that have ended: a periodic read asked before the last of them ended is not followed (it may predate it). */
  const settled = useRef(0);
  const sid = saved?.id;
  useEffect(() => {
    if (!sid) return;
    const on: Parameters<typeof store.broadcastListeners.add>[0] = (e) => {
      if (e.type === 'broadcast') follow(e.broadcast);
      else if (e.broadcast_id === sid && !latest.current.busy) setElsewhere('deleted');
    };
    store.broadcastListeners.add(on);
    return () => {
      store.broadcastListeners.delete(on);
    };
  }, [sid]);

  // Read again every 15 s until it ends or is deleted: nothing changes
  // after that (Counts reads an ended one's counts once more, and they stay).
  const stopped = saved?.status === 'ended' || elsewhere === 'deleted';
  useEffect(() => {
    if (!sid || stopped) return;
    const t = setInterval(() => {
      if (document.hidden) return;
      const asked = settled.current;
      getBroadcast(sid).then(
        (b) => settled.current === asked && follow(b),
        // Deleted, and its frame missed (offline meanwhile).
        (err: unknown) => err instanceof ApiError && err.status === 404 && !latest.current.busy && setElsewhere('deleted'),
      );
      setTick((n) => n + 1);
    }, REFRESH_MS);
    return () => clearInterval(t);
  }, [sid, stopped]);

  // Unsaved changes are not lost without a question: closing or reloading
  // the tab (beforeunload), or going to another screen of the desk (a link,
  // Back, the top bar: holdRoute asks before the route moves, and a
  // cancel keeps this broadcast and its address). Another address of this
  // same broadcast (a new draft's, once saved) is no leaving.
  const unsaved = dirty && saved?.status !== 'ended' && elsewhere !== 'deleted';
  useEffect(() => {
    if (!unsaved) return;
    const ask = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = ''; // older browsers ask only when it is set
    };
    window.addEventListener('beforeunload', ask);
    holdRoute((to) => !(to.area === 'broadcasts' && to.id === latest.current.saved?.id) && !window.confirm('Leave without saving your changes?'));
    return () => {
      window.removeEventListener('beforeunload', ask);
      holdRoute(null);
    };
  }, [unsaved]);

  if (!d) {
    return (
      <main class="broadcasts" tabIndex={-1}>
        <a class="bc-back" href={href({ area: 'broadcasts', id: '' })}>
          ← All broadcasts
        </a>
        <p class={loadError ? 'form-error' : 'muted'} role={loadError ? 'alert' : undefined}>
          {loadError || 'Loading…'}
        </p>
      </main>
    );
  }

  const set = (p: Partial<Draft>) => setD({ ...d, ...p });
  const status = saved?.status ?? 'new';
  const ended = status === 'ended';
  const start = toInstant(d.starts, zone);
  const can = actions(status, !!start && Date.parse(start) > Date.now());
  const banner = d.kind === 'banner';
  const agents = store.agentDirectory.value;
  const senderName = store.agentName(d.sender) ?? '';

  /** Shows an answer: the broadcast as saved, and the form as it (keepForm: unless it has unsaved changes). */
  const accept = (b: Broadcast, keepForm = false) => {
    setSaved((cur) => withStats(b, cur));
    if (!keepForm || !dirty) setD(draftOf(b, zone, me));
    setElsewhere('');
    // A new draft gets its address, without a step in the history (Back: the list).
    if (!saved) location.replace(href({ area: 'broadcasts', id: b.id }));
  };
  const fail = (err: unknown) => {
    const key = err instanceof ApiError && err.field ? fieldKey(err.field) : '';
    if (key) {
      setErrors({ [key]: (err as ApiError).message });
      focusSoon('.bc-form [aria-invalid="true"]', '.bc-form .field-error');
      return;
    }
    const moved = err instanceof ApiError && (err.code === 'broadcast_ended' || err.code === 'broadcast_changed') ? err.code : '';
    // Changed meanwhile (its status, on another desk or by its schedule): nothing was done; said in the desk's words (the server's asks to reload, done here).
    setFormError(moved === 'broadcast_changed' ? 'This broadcast changed meanwhile, so this was not done. It has been read again: check it and try again.' : message(err));
    // Either way it is read again and shown as it is now: ended, read-only,
    // in the form too; changed, the form follows unless it holds unsaved
    // changes, which stay (and the notice says theirs differs).
    if (moved && saved) getBroadcast(saved.id).then((b) => (moved === 'broadcast_ended' ? accept(b) : follow(b, true)), () => undefined);
  };

  /** Saves the form (then: and moves the broadcast along). Putting it live saves unsaved changes first: what goes out is what the form shows. */
  const run = async (then?: Step) => {
    if (busy) return;
    const from = document.activeElement;
    const live = !then || then === 'activate';
    const local = live ? check(d, zone) : {};
    setErrors(local);
    setFormError('');
    setDone('');
    setConfirm('');
    if (Object.keys(local).length) {
      focusSoon('.bc-form [aria-invalid="true"]');
      return;
    }
    setBusy(true);
    try {
      let b = saved;
      if (!b || (live && dirty)) {
        b = b ? await updateBroadcast(b.id, inputOf(d, zone)) : await createBroadcast(inputOf(d, zone));
        accept(b);
      }
      if (then) {
        b = await step(b.id, then);
        accept(b, then === 'pause');
      }
      setDone(then === 'end' ? 'Ended' : then ? `Now ${STATUSES[b.status].toLowerCase()}` : 'Saved');
    } catch (err) {
      fail(err);
    } finally {
      settled.current++;
      setBusy(false);
      refocus(from);
    }
  };
  const remove = () => {
    if (!saved || busy) return;
    setConfirm('');
    setBusy(true);
    deleteBroadcast(saved.id).then(
      () => {
        holdRoute(null); // deleted: its unsaved changes have nowhere to go
        go({ area: 'broadcasts', id: '' });
        focusSoon('.broadcasts');
      },
      (err: unknown) => {
        setBusy(false);
        fail(err);
        refocus();
      },
    );
  };

  return (
    <main class="broadcasts" tabIndex={-1} aria-labelledby="bc-title">
      <a class="bc-back" href={href({ area: 'broadcasts', id: '' })}>
        ← All broadcasts
      </a>
      <header class="bc-head">
        <h1 id="bc-title">{saved?.name || 'New broadcast'}</h1>
        {saved && <StatusPill status={saved.status} />}
        {dirty && !ended && <span class="muted">Unsaved changes</span>}
      </header>
      {elsewhere === 'changed' && (
        <p class="notice" role="status">
          Someone changed this broadcast meanwhile. Saving keeps your version.{' '}
          <button
            type="button"
            class="link"
            onClick={() => {
              if (saved) setD(draftOf(saved, zone, me));
              setElsewhere('');
            }}
          >
            Show theirs
          </button>
        </p>
      )}
      {elsewhere === 'deleted' && (
        <p class="form-error" role="alert">
          Someone deleted this broadcast. <a href={href({ area: 'broadcasts', id: '' })}>Back to the list</a>
        </p>
      )}
      {ended && <p class="notice">This broadcast has ended: it can no longer be changed or started again.</p>}
      <div class="bc-layout">
        <form
          class="bc-form"
          noValidate
          aria-labelledby="bc-title"
          onSubmit={(e) => {
            e.preventDefault();
            if (can.save) void run();
          }}
        >
          {/* While a save or a step is out, nothing can be typed: its answer resets the form, which would lose it. */}
          <fieldset class={busy ? 'bc-fields busy' : 'bc-fields'} disabled={ended || elsewhere === 'deleted' || busy}>
            <Field id="bc-name" label="Name" hint="Only agents see it." error={errors.name}>
              <input id="bc-name" value={d.name} maxLength={MAX_NAME} onInput={(e) => set({ name: e.currentTarget.value })} {...described('bc-name', errors.name, true)} />
            </Field>
            <div class="bc-pair">
              <Field id="bc-kind" label="Kind" error={errors.kind}>
                <select id="bc-kind" value={d.kind} onChange={(e) => set({ kind: e.currentTarget.value as Draft['kind'] })} {...described('bc-kind', errors.kind)}>
                  <option value="banner">Banner</option>
                  <option value="message">Chat message</option>
                </select>
              </Field>
              {banner ? (
                <Field id="bc-placement" label="Where" error={errors.placement}>
                  <select id="bc-placement" value={d.placement} onChange={(e) => set({ placement: e.currentTarget.value as Draft['placement'] })} {...described('bc-placement', errors.placement)}>
                    <option value="top">Top of the page</option>
                    <option value="bottom">Bottom of the page</option>
                    <option value="widget">Inside the chat widget</option>
                  </select>
                </Field>
              ) : (
                <Field id="bc-sender" label="From" error={errors.sender_id}>
                  <select id="bc-sender" value={d.sender} onChange={(e) => set({ sender: e.currentTarget.value })} {...described('bc-sender', errors.sender_id)}>
                    {!agents.has(d.sender) && <option value={d.sender}>{d.sender === me ? 'You' : 'Removed agent'}</option>}
                    {[...agents].map(([aid, name]) => (
                      <option key={aid} value={aid}>
                        {name}
                      </option>
                    ))}
                  </select>
                </Field>
              )}
            </div>
            <Field id="bc-text" label="Text" hint={`${d.text.trim().length} of ${MAX_TEXT} characters; plain text, shown as typed.`} error={errors.text}>
              <textarea id="bc-text" rows={4} value={d.text} maxLength={MAX_TEXT} onInput={(e) => set({ text: e.currentTarget.value })} {...described('bc-text', errors.text, true)} />
            </Field>
            {banner && (
              <fieldset class="bc-sub">
                <legend>Button</legend>
                <label class="check">
                  <input type="checkbox" checked={d.button} onChange={(e) => set({ button: e.currentTarget.checked })} />
                  The banner has a button
                </label>
                {d.button && (
                  <div class="bc-pair">
                    <Field id="bc-label" label="Button text" error={errors['button.label']}>
                      <input id="bc-label" value={d.label} maxLength={MAX_LABEL} placeholder="See the offer" onInput={(e) => set({ label: e.currentTarget.value })} {...described('bc-label', errors['button.label'])} />
                    </Field>
                    <Field id="bc-url" label="Opens" error={errors['button.url']}>
                      <input id="bc-url" type="url" value={d.url} placeholder="https://" onInput={(e) => set({ url: e.currentTarget.value })} {...described('bc-url', errors['button.url'])} />
                    </Field>
                  </div>
                )}
              </fieldset>
            )}
            <AudienceFields d={d} set={set} sites={store.sites.value} errors={errors} />
            <fieldset class="bc-group">
              <legend>When</legend>
              <Field id="bc-frequency" label="How often a visitor sees it" error={errors.frequency}>
                <select id="bc-frequency" value={d.frequency} onChange={(e) => set({ frequency: e.currentTarget.value as Draft['frequency'] })} {...described('bc-frequency', errors.frequency)}>
                  <option value="once">Once</option>
                  <option value="session">Once a visit</option>
                  <option value="day">Once a day</option>
                  <option value="page_view">On every page</option>
                </select>
              </Field>
              <div class="bc-pair">
                <Field id="bc-starts" label="Starts" hint={`${zone} time. Empty: when activated.`} error={errors.starts_at}>
                  <input id="bc-starts" type="datetime-local" value={d.starts} onInput={(e) => set({ starts: e.currentTarget.value })} {...described('bc-starts', errors.starts_at, true)} />
                </Field>
                <Field id="bc-ends" label="Ends" hint={`${zone} time. Empty: until paused or ended.`} error={errors.ends_at}>
                  <input id="bc-ends" type="datetime-local" value={d.ends} onInput={(e) => set({ ends: e.currentTarget.value })} {...described('bc-ends', errors.ends_at, true)} />
                </Field>
              </div>
            </fieldset>
          </fieldset>
          {formError && (
            <p class="form-error" role="alert">
              {formError}
            </p>
          )}
          {confirm ? (
            <Confirm
              text={
                confirm === 'end'
                  ? `End “${saved?.name}”? Visitors stop seeing it at once, and it cannot be changed or started again.`
                  : `Delete “${saved?.name}”? It is removed for good.`
              }
              yes={confirm === 'end' ? 'End it' : 'Delete it'}
              onYes={() => (confirm === 'end' ? void run('end') : remove())}
              onNo={() => {
                focusSoon(`#bc-${confirm}`);
                setConfirm('');
              }}
            />
          ) : (
            elsewhere !== 'deleted' && (
              <div class="bc-actions">
                {can.save && (
                  <button type="submit" class="btn secondary">
                    {busy ? 'Saving…' : saved ? 'Save' : 'Save draft'}
                  </button>
                )}
                {can.activate && (
                  <button type="button" class="btn primary" onClick={() => void run('activate')}>
                    {can.activate}
                  </button>
                )}
                {can.pause && (
                  <button type="button" class="btn secondary" onClick={() => void run('pause')}>
                    Pause
                  </button>
                )}
                {can.end && (
                  <button type="button" id="bc-end" class="btn danger" onClick={() => setConfirm('end')}>
                    End…
                  </button>
                )}
                {can.remove && (
                  <button type="button" id="bc-delete" class="btn ghost danger-text" onClick={() => setConfirm('delete')}>
                    Delete…
                  </button>
                )}
                {done && (
                  <span class="saved" role="status">
                    {done}
                  </span>
                )}
              </div>
            )
          )}
        </form>
        <aside class="bc-side" aria-label="Preview and audience">
          <Preview d={d} sender={senderName} />
          <Reach audience={audienceOf(d)} />
        </aside>
      </div>
      {saved && <Counts id={saved.id} stats={saved.stats} tick={tick} ended={ended} live={!stopped} />}
    </main>
  );
}

/**
 * Keeps the keyboard's place when what it was on lost it: back (where it
 * was when the request began) takes it again if still there and enabled
 * (a field Enter saved from, disabled while the save was out), else, when
 * the button went away (Activate becomes Pause, a confirmation closes), the
 * first of the actions.
 */
function refocus(back?: Element | null): void {
  setTimeout(() => {
    const a = document.activeElement;
    if (a && a !== document.body && a.isConnected) return;
    const to = back instanceof HTMLElement && back.isConnected && !back.matches(':disabled') ? back : document.querySelector<HTMLElement>('.bc-actions button') ?? document.querySelector<HTMLElement>('.broadcasts');
    to?.focus();
  });
}

/** A question before something that cannot be undone; the focus starts on Cancel, Escape cancels. */
function Confirm({ text, yes, onYes, onNo }: { text: string; yes: string; onYes: () => void; onNo: () => void }) {
  const no = useRef<HTMLButtonElement>(null);
  useEffect(() => no.current?.focus(), []);
  return (
    <div class="bc-confirm" role="alertdialog" aria-label={yes} aria-describedby="bc-confirm-text" onKeyDown={(e) => e.key === 'Escape' && onNo()}>
      <p id="bc-confirm-text">{text}</p>
      <button type="button" class="btn danger" onClick={onYes}>
        {yes}
      </button>
      <button type="button" class="btn ghost" ref={no} onClick={onNo}>
        Cancel
      </button>
    </div>
  );
}

/**
 * What a saved broadcast did: its all-time counts, and the last 30 days by
 * day (read again on each tick while live, and once more when it ends).
 */
function Counts({ id, stats, tick, ended, live }: { id: string; stats?: BroadcastStats; tick: number; ended: boolean; live: boolean }) {
  const [data, setData] = useState<BroadcastAnalytics | null>(null);
  useEffect(() => {
    let live = true;
    broadcastAnalytics({ from: '', to: '', days: '30' }, id).then(
      (a) => live && setData(a),
      () => undefined, // the last numbers stay; the next tick tries again
    );
    return () => {
      live = false;
    };
  }, [id, tick, ended]);
  const totals = stats ?? data?.totals;
  return (
    <section class="panel bc-counts" aria-labelledby="bc-counts-title">
      <div class="panel-head">
        <h2 id="bc-counts-title">What it did</h2>
        {live && <span class="hint">Counted again every 15 seconds while open.</span>}
      </div>
      {totals && <StatTiles stats={totals} label={stats ? 'Since it began' : 'The last 30 days'} />}
      {data && (
        <>
          <div class="panel-head">
            <h3>The last 30 days</h3>
            <ReachLegend />
          </div>
          <ReachBars title={`Visitors reached and times shown each day from ${data.from} to ${data.to} (${data.time_zone})`} days={data.days} />
        </>
      )}
    </section>
  );
}

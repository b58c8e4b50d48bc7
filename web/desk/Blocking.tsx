import { useEffect, useState } from 'preact/hooks';
import { shortTime } from '../shared/format';
import type { Block, Visitor } from '../shared/protocol';
import { ApiError, type BlockKind, blockVisitor, listBlocks, unblock } from './api';

/** A block's reason, at most (block.MaxReason on the server). */
export const MAX_REASON = 500;

const KIND_TEXT: Record<BlockKind, string> = {
  visitor: 'this visitor',
  ip: 'their address',
  contact: 'this contact',
};

/**
 * Spam controls on a visitor's card: block the visitor (this browser), every
 * visitor from their address, or their verified contact. The server closes
 * the blocked sockets at once and refuses them until the block is lifted
 * (Preferences lists the blocks).
 */
export function BlockControls({ visitor }: { visitor: Visitor }) {
  const [asking, setAsking] = useState<BlockKind | null>(null);
  const [reason, setReason] = useState('');
  const [state, setState] = useState<{ done?: string; error?: string }>({});
  const kinds: BlockKind[] = ['visitor'];
  if (visitor.ip) kinds.push('ip');
  if (visitor.contact_id) kinds.push('contact');
  const submit = async (kind: BlockKind) => {
    try {
      await blockVisitor(kind, visitor.id, reason.trim());
      setState({ done: `Blocked ${KIND_TEXT[kind]}.` });
      setAsking(null);
      setReason('');
    } catch (err) {
      setState({ error: err instanceof ApiError ? (err.code === 'already_blocked' ? 'Already blocked.' : err.message) : 'Could not block; try again.' });
    }
  };
  return (
    <section class="card block-card">
      <h3>Spam</h3>
      {asking ? (
        <form
          class="block-form"
          onSubmit={(e) => {
            e.preventDefault();
            void submit(asking);
          }}
        >
          <label>
            Reason (optional)
            <input value={reason} maxLength={MAX_REASON} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
          </label>
          <div class="block-actions">
            <button type="submit" class="btn small danger">
              Block {KIND_TEXT[asking]}
            </button>
            <button type="button" class="btn secondary small" onClick={() => setAsking(null)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <div class="block-actions">
          {kinds.map((k) => (
            <button key={k} type="button" class="btn secondary small" onClick={() => (setAsking(k), setState({}))}>
              Block {KIND_TEXT[k]}
            </button>
          ))}
        </div>
      )}
      {state.done && (
        <p class="saved" role="status">
          {state.done}
        </p>
      )}
      {state.error && (
        <p class="form-error" role="alert">
          {state.error}
        </p>
      )}
    </section>
  );
}

/** The workspace's blocks, with a way to lift each. */
export function BlockList() {
  const [blocks, setBlocks] = useState<Block[] | null>(null);
  const [error, setError] = useState('');
  const load = () =>
    listBlocks()
      .then(setBlocks)
      .catch(() => setError('Could not load the blocks.'));
  useEffect(() => {
    void load();
  }, []);
  return (
    <section class="card">
      <h3>Blocked visitors</h3>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {blocks === null ? (
        <p class="muted">Loading…</p>
      ) : blocks.length === 0 ? (
        <p class="muted">Nobody is blocked. Block a spammer from the visitor's details.</p>
      ) : (
        <ul class="blocks">
          {blocks.map((b) => (
            <li key={b.id}>
              <span class="pill">{b.kind === 'ip' ? 'Address' : b.kind === 'contact' ? 'Contact' : 'Visitor'}</span>
              <span class="mono" title={b.value}>
                {b.value}
              </span>
              <span class="muted">{b.reason || 'no reason given'}</span>
              <span class="when">{shortTime(b.created_at)}</span>
              <button type="button" class="btn secondary small" onClick={() => void unblock(b.id).then(load, () => setError('Could not lift the block.'))}>
                Unblock
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

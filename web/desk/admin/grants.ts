// The Team screen's permissions column, as pure functions: which
// permissions an agent holds by its role, and sending grant changes one at
// a time.
import type { AgentRecord } from '../api';

/**
 * The permissions an agent's role gives it, from the server's record only:
 * all it holds (permissions) but what was granted (grants). Never from the
 * grants being sent: a grant just unticked is still in permissions until
 * the answer, and would show as given by the role.
 */
export const byRole = (a: Pick<AgentRecord, 'grants' | 'permissions'>): string[] => (a.permissions ?? []).filter((p) => !(a.grants ?? []).includes(p));

/**
 * inOrder sends what is wanted one request at a time, so two quick changes
 * cannot be applied out of order: a value wanted while a request is out
 * waits for its answer, and only the latest of those waiting is sent then
 * (each value is the whole state wanted, so those in between need not go).
 * idle is called once nothing is out or waiting: after the last answer, or
 * after a refusal, which drops what waited (the server's record is shown
 * then, with the error send reported).
 */
export function inOrder<T>(send: (v: T) => Promise<unknown>, idle: () => void): (v: T) => void {
  let out = false;
  let waiting: { v: T } | null = null;
  const run = (v: T) => {
    out = true;
    send(v).then(
      () => {
        const next = waiting;
        waiting = null;
        if (next) run(next.v);
        else {
          out = false;
          idle();
        }
      },
      () => {
        waiting = null;
        out = false;
        idle();
      },
    );
  };
  return (v) => {
    if (out) waiting = { v };
    else run(v);
  };
}

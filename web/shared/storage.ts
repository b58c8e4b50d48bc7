/**
 * Storage helpers that never throw: localStorage may be missing, full, or
 * blocked (third-party contexts, privacy modes); the UIs then just forget
 * across page loads.
 */
export function load<T>(key: string, fallback: T, store: Storage | undefined = safeLocal()): T {
  try {
    const raw = store?.getItem(key);
    return raw == null ? fallback : (JSON.parse(raw) as T);
  } catch {
    return fallback;
  }
}

export function save(key: string, value: unknown, store: Storage | undefined = safeLocal()): void {
  try {
    store?.setItem(key, JSON.stringify(value));
  } catch {
    // full or blocked: keep going without persistence
  }
}

export function remove(key: string, store: Storage | undefined = safeLocal()): void {
  try {
    store?.removeItem(key);
  } catch {
    // blocked: nothing was kept
  }
}

function safeLocal(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

export function safeSession(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined;
  }
}

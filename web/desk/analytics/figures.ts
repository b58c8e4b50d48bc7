// Pure helpers of the analytics screen: the change against the previous
// period, durations people read, and CSV files that open safely in a
// spreadsheet.

/** The change from before to now, in whole percent ('' when there was nothing before). */
export function change(now: number, before: number): string {
  if (before === 0) return now === 0 ? '±0 %' : '';
  const p = Math.round(((now - before) / before) * 100);
  return `${p > 0 ? '+' : p < 0 ? '−' : '±'}${Math.abs(p)} %`;
}

/** Seconds as people say them: 45 s, 3 min 20 s, 2 h 5 min, 3 d 4 h; '—' for none. */
export function duration(s: number | null): string {
  if (s === null) return '—';
  const v = Math.round(s);
  if (v < 60) return `${v} s`;
  if (v < 3600) return v % 60 ? `${Math.floor(v / 60)} min ${v % 60} s` : `${v / 60} min`;
  if (v < 86400) {
    const m = Math.floor((v % 3600) / 60);
    return m ? `${Math.floor(v / 3600)} h ${m} min` : `${Math.floor(v / 3600)} h`;
  }
  const h = Math.floor((v % 86400) / 3600);
  return h ? `${Math.floor(v / 86400)} d ${h} h` : `${Math.floor(v / 86400)} d`;
}

/**
 * csv is rows as a CSV file's text (RFC 4180). A cell that a spreadsheet
 * would run as a formula (=, +, -, @, tab, CR first) is kept as text with
 * a leading apostrophe: a visitor's comment must not become a formula.
 */
export function csv(rows: readonly (readonly (string | number | null)[])[]): string {
  const cell = (v: string | number | null) => {
    let s = v === null ? '' : String(v);
    if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** Offers text as a file to save. */
export function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

// A bar chart drawn as SVG: one bar per label, its value on hover (a
// title) and in the table beside it; stacked when a bar has parts. Light
// and fast: no charting library, a few hundred bytes.
export interface Part {
  value: number;
  tone: string; // a class: the colour, from analytics.css
  label: string;
}

export function Bars({ labels, bars, title, every = 1, pair = false }: {
  labels: string[];
  /** For each label, its parts, bottom first. */
  bars: Part[][];
  title: string;
  /** Label every nth bar only (30 days do not fit 30 labels). */
  every?: number;
  /** The parts side by side (two figures to compare) rather than stacked. */
  pair?: boolean;
}) {
  const w = 600;
  const h = 160;
  const top = Math.max(1, ...bars.map((b) => (pair ? Math.max(0, ...b.map((p) => p.value)) : b.reduce((n, p) => n + p.value, 0))));
  const slot = w / Math.max(1, bars.length);
  const bar = Math.max(2, slot * 0.7);
  return (
    <div class="chart">
      <svg class="bars" viewBox={`0 0 ${w} ${h}`} role="img" aria-label={title} preserveAspectRatio="none">
        <line x1="0" x2={w} y1={h} y2={h} class="axis" />
        {bars.map((parts, i) => {
          let y = h;
          const x = i * slot + (slot - bar) / 2;
          const sum = parts.reduce((n, p) => n + p.value, 0);
          return (
            <g key={labels[i]}>
              <title>{`${labels[i]}: ${parts.map((p) => `${p.label} ${p.value}`).join(', ')}${parts.length > 1 ? ` (${sum})` : ''}`}</title>
              <rect class="hit" x={i * slot} y="0" width={slot} height={h} />
              {parts.map((p, j) => {
                const ph = (p.value / top) * (h - 4);
                if (pair) {
                  const pw = bar / parts.length;
                  return p.value > 0 ? <rect key={p.label} class={p.tone} x={x + j * pw} y={h - ph} width={pw} height={ph} rx="2" /> : null;
                }
                y -= ph;
                return p.value > 0 ? <rect key={p.label} class={p.tone} x={x} y={y} width={bar} height={ph} rx="2" /> : null;
              })}
            </g>
          );
        })}
      </svg>
      {/* Labels as text beside the drawing, so that a stretched chart never stretches them. */}
      <div class="bar-labels" style={{ gridTemplateColumns: `repeat(${bars.length}, 1fr)` }} aria-hidden="true">
        {labels.map((l, i) => (
          <span key={l}>{i % every === 0 ? l : ''}</span>
        ))}
      </div>
    </div>
  );
}

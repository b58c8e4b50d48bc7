/**
 * A thumb, up (a good rating) or down (a bad one): drawn, not an emoji, so
 * that it shows the same on every system, fonts or not.
 */
export function ThumbIcon({ down = false }: { down?: boolean }) {
  return (
    <svg class="thumb" viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">
      <g transform={down ? 'rotate(180 12 12)' : undefined}>
        <path d="M3 10h4v11H3z" />
        <path d="M7 10l4-7c1.4 0 2.5 1.1 2.5 2.5V9h5.3a2 2 0 0 1 2 2.3l-1.3 7.6a2 2 0 0 1-2 1.6H7" />
      </g>
    </svg>
  );
}

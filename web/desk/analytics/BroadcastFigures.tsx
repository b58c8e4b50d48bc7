// Broadcasts' counts as both the Analytics screen and the broadcast editor
// show them: five tiles, and the days' bars of visitors reached and times
// shown. One module, so the two chunks share it (and analytics.css).
import type { BroadcastKind, BroadcastStatus } from '../../shared/protocol';
import type { BroadcastStats } from './api';
import { Bars } from './Bars';
import './analytics.css';

/** The five counts, in the order a visitor meets a broadcast, with what each counts. */
export const STATS: readonly { key: keyof BroadcastStats; label: string; help: string }[] = [
  { key: 'reached', label: 'Reached', help: 'visitors it was shown to' },
  { key: 'shown', label: 'Shown', help: 'times, every page view' },
  { key: 'dismissed', label: 'Dismissed', help: 'visitors who closed it' },
  { key: 'clicked', label: 'Clicked', help: 'visitors who used its button' },
  { key: 'replied', label: 'Replied', help: 'visitors who answered it' },
];

export const KINDS: Record<BroadcastKind, string> = { banner: 'Banner', message: 'Chat message' };
export const STATUSES: Record<BroadcastStatus, string> = { draft: 'Draft', scheduled: 'Scheduled', active: 'Active', paused: 'Paused', ended: 'Ended' };

/** The five counts as tiles, named as a group (label). */
export function StatTiles({ stats, label }: { stats: BroadcastStats; label: string }) {
  return (
    <div class="tiles" role="group" aria-label={label}>
      {STATS.map((s) => (
        <div key={s.key} class="tile">
          <span class="tile-label">{s.label}</span>
          <strong class="tile-value">{stats[s.key]}</strong>
          <span class="tile-change muted">{s.help}</span>
        </div>
      ))}
    </div>
  );
}

/** The key to ReachBars' colours. */
export const ReachLegend = () => (
  <span class="legend">
    <i class="reached" /> reached <i class="shown" /> shown
  </span>
);

/** A pair of bars a day: visitors reached and times shown (30 days do not fit 30 labels: every nth). */
export function ReachBars({ days, title }: { days: (BroadcastStats & { date: string })[]; title: string }) {
  return (
    <Bars
      title={title}
      labels={days.map((d) => d.date.slice(5))}
      every={Math.ceil(days.length / 15)}
      pair
      bars={days.map((d) => [
        { value: d.reached, tone: 'reached', label: 'reached' },
        { value: d.shown, tone: 'shown', label: 'shown' },
      ])}
    />
  );
}
